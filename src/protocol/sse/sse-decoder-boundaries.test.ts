import { describe, expect, it } from 'bun:test'
import { SSEDecoder } from './sse-decoder'
import type { SSEEvent } from './sse-event'

function decode(chunks: Uint8Array[]): SSEEvent[] {
  const decoder = new SSEDecoder()
  return [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()]
}

async function parse(chunks: string[]): Promise<SSEEvent[]> {
  const encoder = new TextEncoder()
  return decode(chunks.map((c) => encoder.encode(c)))
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

describe('SSEDecoder', () => {
  it('parses named and unnamed events, skipping comments', async () => {
    expect(await parse([wire])).toEqual(expected)
  })

  it('gives the same events when the bytes are split at every possible boundary', async () => {
    const bytes = new TextEncoder().encode(wire)
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(decode([bytes.slice(0, cut), bytes.slice(cut)])).toEqual(expected)
    }
  })

  it('joins multi-line data and flushes a last event without a blank line', async () => {
    expect(await parse(['data: a\ndata: b\n\ndata: tail'])).toEqual([{ data: 'a\nb' }, { data: 'tail' }])
  })
})
