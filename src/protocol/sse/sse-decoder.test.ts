import { describe, expect, it } from 'bun:test'
import { SSEDecoder } from './sse-decoder'
import type { SSEEvent } from './sse-event'

const encoder = new TextEncoder()

function decode(chunks: string[]): SSEEvent[] {
  const d = new SSEDecoder()
  const out: SSEEvent[] = []
  for (const c of chunks) out.push(...d.push(encoder.encode(c)))
  out.push(...d.end())
  return out
}

describe('SSEDecoder', () => {
  it('reads the field name up to the first colon: look-alike names are ignored, bare names have an empty value', () => {
    const wire = 'datax: no\neventful: no\nevent\ndata\n\nevent:b\ndata:no-space\ndata:  two spaces\nid: 7\nretry: 10\n\n'
    expect(decode([wire])).toEqual([
      { event: '', data: '' },
      { event: 'b', data: 'no-space\n two spaces' },
    ])
  })

  it('handles LF, CRLF and CR line ends, mixed, in one long chunk and split at every byte', () => {
    let wire = ''
    const expected: SSEEvent[] = []
    const ends = ['\n', '\r\n', '\r']
    for (let i = 0; i < 60; i++) {
      const nl = ends[i % 3]!
      wire += `event: e${i}${nl}data: {"i":${i}}${nl}${nl}`
      expected.push({ event: `e${i}`, data: `{"i":${i}}` })
    }
    expect(decode([wire])).toEqual(expected)
    const bytes = encoder.encode(wire)
    const d = new SSEDecoder()
    const out: SSEEvent[] = []
    for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)))
    out.push(...d.end())
    expect(out).toEqual(expected)
  })

  it('waits for the LF after a CR that ends a chunk', () => {
    const d = new SSEDecoder()
    expect(d.push(encoder.encode('data: a\r'))).toEqual([])
    expect(d.push(encoder.encode('\n\r\n'))).toEqual([{ data: 'a' }])
    expect(d.end()).toEqual([])
  })
})
