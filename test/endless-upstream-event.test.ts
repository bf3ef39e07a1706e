// A backend whose stream never finishes an event (a `data:` line that never ends, or data lines
// without the blank line that closes an event): the gateway holds a bounded amount of it, ends the
// client's stream with an error event in the client's format and closes the upstream connection,
// instead of collecting the backend's bytes for ever. The upstreams are fakes speaking the wire
// format's framing on raw HTTP/1.1.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { flood, httpChunk, type RawServer, rawServer, SSE_HEAD, stopRawServers } from './helpers/raw-http-server'
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
