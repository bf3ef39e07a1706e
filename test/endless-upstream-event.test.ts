// A backend that never ends its answer: a stream whose event never ends (a `data:` line without
// its end, or data lines without the blank line that closes an event), or a JSON answer whose body
// keeps coming. The gateway holds a bounded amount of it: the stream ends with an error event in
// the client's format, the JSON answer is a 502, and the backend is read no further, instead of
// its bytes being collected for ever (the idle timeout never fires while they keep coming). The
// upstreams are fakes speaking the wire formats on raw HTTP/1.1 and through Bun.serve.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { FLOOD_BYTES, flood, httpChunk, type RawServer, rawServer, SSE_HEAD, stopRawServers } from './helpers/raw-http-server'
import { readSSE } from './helpers/read-sse'

let upstream: { written: number } = { written: 0 }
let server: RawServer
let gw: ReturnType<typeof listenTestGateway>
let payload = ''

beforeAll(() => {
  server = rawServer((_req, socket) => {
    const start = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`
    socket.write(SSE_HEAD + httpChunk(start) + httpChunk('data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"'))
    upstream = flood(socket, httpChunk(payload))
  })
  gw = listenTestGateway(
    testConfig({
      backends: { internal: { format: 'openai', base_url: `http://127.0.0.1:${server.port}/v1` } },
      models: { 'qwen-endless': { backend: 'internal' } },
      tiers: { pro: { daily_requests: 100, models: ['*'] } },
      auth: { keys: [{ key: 'sk-endless', user: 'eve', tier: 'pro' }] },
    }),
  )
})
afterAll(async () => {
  await gw.stop()
  stopRawServers()
})

const cases = [
  { name: 'a data line that never ends', payload: 'a'.repeat(64 * 1024) },
  { name: 'data lines without the blank line that ends an event', payload: `data: ${'b'.repeat(64 * 1024 - 7)}\n` },
]

describe('a fake upstream stream whose event never ends', () => {
  for (const c of cases) {
    for (const path of ['/v1/messages', '/v1/chat/completions']) {
      it(`ends the client's stream with an error event and stops reading the backend: ${c.name}, ${path}`, async () => {
        payload = c.payload
        const res = await fetch(`${gw.url}${path}`, json({ model: 'qwen-endless', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-endless' }))
        expect(res.status).toBe(200)
        const events = await readSSE(res)
        const last = events.at(-1)!
        if (path === '/v1/messages') expect(last.event).toBe('error')
        else expect(events.some((e) => e.data.includes('"error"'))).toBe(true)
        // Far less than the 128 MB the fake would send to a gateway that kept taking it.
        expect(upstream.written).toBeLessThan(48 * 1024 * 1024)
      }, 30_000)
    }
  }
})

describe('a fake upstream whose JSON answer (no stream asked) never ends', () => {
  let sent = 0
  let endless: ReturnType<typeof Bun.serve>
  let gateway: ReturnType<typeof listenTestGateway>
  beforeAll(() => {
    const piece = new TextEncoder().encode('a'.repeat(64 * 1024))
    endless = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch() {
        sent = 0
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"'))
          },
          pull(controller) {
            // Stops at 1 GB so that a gateway that keeps reading fails the test instead of the machine.
            if (sent > 1024 * 1024 * 1024) return controller.close()
            sent += piece.byteLength
            controller.enqueue(piece)
          },
        })
        return new Response(body, { headers: { 'content-type': 'application/json' } })
      },
    })
    gateway = listenTestGateway(
      testConfig({
        backends: { internal: { format: 'openai', base_url: `http://127.0.0.1:${endless.port}/v1` } },
        models: { 'qwen-endless': { backend: 'internal' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { keys: [{ key: 'sk-endless-json', user: 'jo', tier: 'pro' }] },
      }),
    )
  })
  afterAll(async () => {
    await gateway.stop()
    endless.stop(true)
  })

  for (const path of ['/v1/messages', '/v1/chat/completions']) {
    it(`is a 502 once the answer passes what the gateway holds, and the backend is read no further: ${path}`, async () => {
      const res = await fetch(`${gateway.url}${path}`, json({ model: 'qwen-endless', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-endless-json' }))
      expect(res.status).toBe(502)
      await res.arrayBuffer()
      expect(sent).toBeLessThan(256 * 1024 * 1024)
    }, 30_000)
  }
})

describe('a fake upstream whose JSON answer states a length past what the gateway holds', () => {
  let flooded: { written: number } = { written: 0 }
  let server: RawServer
  let gateway: ReturnType<typeof listenTestGateway>
  beforeAll(() => {
    server = rawServer((_req, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${FLOOD_BYTES + 64}\r\n\r\n{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`)
      flooded = flood(socket, 'a'.repeat(64 * 1024))
    })
    gateway = listenTestGateway(
      testConfig({
        backends: { internal: { format: 'openai', base_url: `http://127.0.0.1:${server.port}/v1` } },
        models: { 'qwen-long': { backend: 'internal' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { keys: [{ key: 'sk-long-json', user: 'lou', tier: 'pro' }] },
      }),
    )
  })
  afterAll(async () => {
    await gateway.stop()
  })

  it('is a 502 without reading the body', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, json({ model: 'qwen-long', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-long-json' }))
    expect(res.status).toBe(502)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('more than the gateway relays whole')
    // Refused on its stated length: not the 64 MiB a reader would take before stopping.
    expect(flooded.written).toBeLessThan(32 * 1024 * 1024)
  }, 30_000)
})
