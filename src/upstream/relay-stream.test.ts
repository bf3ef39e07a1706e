import { afterEach, describe, expect, it } from 'bun:test'
import { heapObjects } from '../../test/helpers/heap-objects'
import { flood, http1To, httpChunk as chunk, type RawServer, rawServer, SSE_HEAD, stalledAt, stopRawServers } from '../../test/helpers/raw-http-server'
import { waitFor } from '../../test/helpers/wait-for'
import { closeIdleHttp1Connections, http1IdleConnections, pushSourceOf } from './http1'
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

  it('open streams with keep-alive share one timer instead of holding one each', async () => {
    const timers = () => heapObjects('Timeout')
    const controllers: ReadableStreamDefaultController<Uint8Array>[] = []
    const readers: { read(): Promise<{ done: boolean; value?: Uint8Array }> }[] = []
    Bun.gc(true)
    const before = timers()
    for (let i = 0; i < 50; i++) {
      const source = new ReadableStream<Uint8Array>({ start: (c) => void controllers.push(c) })
      const relay = relayStream(source, { errorEvent: () => enc.encode('E'), onEnd: () => {}, keepAlive: { everyMs: 40, bytes: enc.encode('.') } })
      readers.push(relay.getReader())
    }
    Bun.gc(true)
    expect(timers() - before).toBeLessThan(5)
    // ...and every one of them still gets its keep-alive bytes.
    const firsts = await Promise.all(readers.map((r) => r.read()))
    expect(firsts.every((f) => dec.decode(f.value) === '.')).toBe(true)
    for (const c of controllers) c.close()
    for (const r of readers) while (!(await r.read()).done);
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

describe('relayStream fed by the HTTP/1.1 client (fake upstream speaking raw HTTP/1.1)', () => {
  afterEach(() => {
    closeIdleHttp1Connections()
    stopRawServers()
  })

  const get = (server: RawServer, signal: AbortSignal | null = null) => http1To(server, { headers: {}, signal })
  const upper = { push: (b: Uint8Array) => enc.encode(dec.decode(b).toUpperCase()), end: () => enc.encode('|END') }

  it('pushes chunks (those that came with the head first) through the transform, in order, and reuses the connection', async () => {
    const server = rawServer(async (_req, socket) => {
      socket.write(SSE_HEAD + chunk('a1 '))
      for (const part of ['b2 ', 'c3 ']) {
        await Bun.sleep(10)
        socket.write(chunk(part))
      }
      socket.write('0\r\n\r\n')
    })
    const res = await get(server)
    expect(pushSourceOf(res.body!)).not.toBeNull()
    const outcomes: StreamOutcome[] = []
    expect(await readAll(relayStream(res.body!, { errorEvent: () => enc.encode('E'), onEnd: (o) => outcomes.push(o), transform: upper }))).toBe('A1 B2 C3 |END')
    expect(outcomes).toEqual(['complete'])
    expect(http1IdleConnections('127.0.0.1', server.port)).toBe(1)
  })

  it('ends with the error event when the upstream connection breaks mid-stream', async () => {
    const server = rawServer(async (_req, socket) => {
      socket.write(SSE_HEAD + chunk('partial'))
      await Bun.sleep(20)
      socket.terminate()
    })
    const outcomes: StreamOutcome[] = []
    const text = await readAll(relayStream((await get(server)).body!, { errorEvent: (m) => enc.encode(`E:${m}`), onEnd: (o) => outcomes.push(o) }))
    expect(text).toBe('partialE:The backend stream was interrupted.')
    expect(outcomes).toEqual(['error'])
  })

  it('a client that goes away cancels the relay and closes the upstream connection', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + chunk('first'))
    })
    const outcomes: StreamOutcome[] = []
    const reader = relayStream((await get(server)).body!, { errorEvent: () => enc.encode('E'), onEnd: (o) => outcomes.push(o) }).getReader()
    expect(dec.decode((await reader.read()).value)).toBe('first')
    await reader.cancel()
    expect(outcomes).toEqual(['cancelled'])
    expect(await waitFor(() => server.closed === 1)).toBe(true)
  })

  it('a client whose abort reaches the upstream body first ends as cancelled, not as an upstream error', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + chunk('first'))
    })
    const client = new AbortController()
    const res = await get(server, client.signal)
    const outcomes: StreamOutcome[] = []
    const reader = relayStream(res.body!, { errorEvent: () => enc.encode('E'), onEnd: (o) => outcomes.push(o) }).getReader()
    expect(dec.decode((await reader.read()).value)).toBe('first')
    client.abort(new DOMException('client gone', 'AbortError'))
    expect(await reader.read()).toEqual({ done: true, value: undefined })
    expect(outcomes).toEqual(['cancelled'])
  })

  it('a transform that throws ends the stream with the error event and releases the upstream', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + chunk('boom'))
    })
    const outcomes: StreamOutcome[] = []
    const failing = {
      push: () => {
        throw new Error('bad chunk')
      },
      end: () => null,
    }
    const text = await readAll(relayStream((await get(server)).body!, { errorEvent: () => enc.encode('E'), onEnd: (o) => outcomes.push(o), transform: failing }))
    expect(text).toBe('E')
    expect(outcomes).toEqual(['error'])
    expect(await waitFor(() => server.closed === 1)).toBe(true)
  })

  it('stops reading the upstream while the client does not read (backpressure)', async () => {
    let upstream = { written: 0 }
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD)
      upstream = flood(socket, chunk('z'.repeat(64 * 1024)))
    })
    const relayed = relayStream((await get(server)).body!, { errorEvent: () => enc.encode('E'), onEnd: () => {} })
    const reader = relayed.getReader()
    await reader.read()
    // Without backpressure the relay would take the whole 128 MB into memory; with it, the
    // upstream stalls at what the socket buffers and one queued chunk hold.
    const written = await stalledAt(upstream)
    expect(written).not.toBeNull()
    expect(written!).toBeLessThan(16 * 1024 * 1024)
    await reader.cancel()
  })

  it('a body already read through a reader is not offered for pushing', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(`${SSE_HEAD + chunk('x')}0\r\n\r\n`)
    })
    const res = await get(server)
    const reader = res.body!.getReader()
    expect(dec.decode((await reader.read()).value)).toBe('x')
    expect(pushSourceOf(res.body!)).toBeNull()
  })
})
