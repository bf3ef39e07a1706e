import { describe, expect, it } from 'bun:test'
import { relayStream, type StreamOutcome } from './relay-stream'

const enc = new TextEncoder()
const dec = new TextDecoder()

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let out = ''
  for await (const chunk of stream) out += dec.decode(chunk)
  return out
}

describe('relayStream', () => {
  it('sends keep-alive bytes while the upstream is silent, and none once it has ended', async () => {
    const source = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode('a'))
        await Bun.sleep(120)
        c.enqueue(enc.encode('b'))
        c.close()
      },
    })
    const outcomes: StreamOutcome[] = []
    const text = await readAll(relayStream(source, { errorEvent: () => enc.encode('E'), onEnd: (o) => outcomes.push(o), keepAlive: { everyMs: 30, bytes: enc.encode('.') } }))
    expect(text.startsWith('a')).toBe(true)
    expect(text.endsWith('b')).toBe(true)
    expect(text.slice(1, -1)).toMatch(/^\.+$/)
    expect(outcomes).toEqual(['complete'])
  })

  it('ends a broken upstream with the error event and reports it', async () => {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('a'))
      },
      pull(c) {
        c.error(new Error('reset'))
      },
    })
    const outcomes: StreamOutcome[] = []
    expect(await readAll(relayStream(source, { errorEvent: (m) => enc.encode(`E:${m}`), onEnd: (o) => outcomes.push(o) }))).toBe('aE:The backend stream was interrupted.')
    expect(outcomes).toEqual(['error'])
  })
})
