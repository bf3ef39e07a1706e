import { describe, expect, it } from 'bun:test'
import { createSSEParser } from './create-sse-parser'
import type { SSEEvent } from './sse-event'

async function parse(chunks: string[]): Promise<SSEEvent[]> {
  const encoder = new TextEncoder()
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(encoder.encode(chunk))
      c.close()
    },
  })
  const out: SSEEvent[] = []
  for await (const e of source.pipeThrough(createSSEParser())) out.push(e)
  return out
}

const wire =
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  ': keep-alive comment\n\n' +
  'event: content_block_delta\r\ndata: {"text":"héllo 👋"}\r\n\r\n' +
  'data: {"a":1}\n\n' +
  'data: [DONE]\n\n'

const expected: SSEEvent[] = [
  { event: 'message_start', data: '{"type":"message_start"}' },
  { event: 'content_block_delta', data: '{"text":"héllo 👋"}' },
  { data: '{"a":1}' },
  { data: '[DONE]' },
]

describe('createSSEParser', () => {
  it('parses named and unnamed events, skipping comments', async () => {
    expect(await parse([wire])).toEqual(expected)
  })

  it('gives the same events when the bytes are split at every possible boundary', async () => {
    const bytes = new TextEncoder().encode(wire)
    for (let cut = 1; cut < bytes.length; cut++) {
      const source = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes.slice(0, cut))
          c.enqueue(bytes.slice(cut))
          c.close()
        },
      })
      const out: SSEEvent[] = []
      for await (const e of source.pipeThrough(createSSEParser())) out.push(e)
      expect(out).toEqual(expected)
    }
  })

  it('joins multi-line data and flushes a last event without a blank line', async () => {
    expect(await parse(['data: a\ndata: b\n\ndata: tail'])).toEqual([{ data: 'a\nb' }, { data: 'tail' }])
  })
})
