// Clients that trickle. Request headers sent a line at a time are cut off by Bun itself after about
// ten seconds (it does not restart that deadline as header bytes come in; this file holds a Bun
// upgrade to it). A body trickled in a byte at a time restarts Bun's idle limit at every byte, so the
// gateway gives it server.body_timeout_s and answers 408 after; an answer that takes longer than
// that still arrives. The upstream is a fake speaking the OpenAI wire format, slow on purpose.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { openaiCompletion } from './helpers/fake-upstream'
import { json, listenTestGateway, testConfig } from './helpers/gateway'

const SLOW_ANSWER_MS = 3_000
let upstream: ReturnType<typeof Bun.serve>
let gw: ReturnType<typeof listenTestGateway>

beforeAll(() => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch() {
      await Bun.sleep(SLOW_ANSWER_MS)
      return Response.json(openaiCompletion('m'))
    },
  })
  gw = listenTestGateway(
    testConfig({
      server: { body_timeout_s: 1 },
      backends: { internal: { format: 'openai', base_url: `http://127.0.0.1:${upstream.port}/v1` } },
      models: { m: { backend: 'internal' } },
      tiers: { pro: { daily_requests: 100, models: ['*'] } },
      auth: { keys: [{ key: 'sk-slow', user: 's', tier: 'pro' }] },
    }),
  )
})
afterAll(async () => {
  await gw.stop()
  upstream.stop(true)
})

/** Writes `head`, then `drip` every `everyMs` until the gateway answers or closes (at most 20 s). */
async function trickle(head: string, drip: string, everyMs: number): Promise<{ afterMs: number; answer: string }> {
  const { hostname, port } = new URL(gw.url)
  const started = performance.now()
  let endedAfter = 0
  let answer = ''
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      data(_s, data) {
        answer += data.toString()
        endedAfter ||= performance.now() - started
      },
      close() {
        endedAfter ||= performance.now() - started
      },
      error() {},
    },
  })
  socket.write(head)
  while (endedAfter === 0 && performance.now() - started < 20_000) {
    await Bun.sleep(everyMs)
    if (endedAfter === 0) socket.write(drip)
  }
  socket.end()
  return { afterMs: endedAfter, answer }
}

describe('clients that trickle (fake upstream)', () => {
  it('are cut off when their headers trickle in, however steadily', async () => {
    const { afterMs } = await trickle('POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n', 'x-trickle: y\r\n', 300)
    expect(afterMs).toBeGreaterThan(0)
    expect(afterMs).toBeLessThan(16_000)
  }, 25_000)

  it('get 408 when their body trickles in past server.body_timeout_s', async () => {
    const head = 'POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nx-api-key: sk-slow\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{'
    const { afterMs, answer } = await trickle(head, ' ', 200)
    expect(answer).toStartWith('HTTP/1.1 408')
    expect(afterMs).toBeLessThan(5_000)
  }, 25_000)

  it('get 408 on the other routes too, the console sign-in that anyone may call included', async () => {
    for (const path of ['/console/api/session', '/v1/metrics']) {
      const head = `POST ${path} HTTP/1.1\r\nhost: gw\r\nx-api-key: sk-slow\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`
      const { afterMs, answer } = await trickle(head, ' ', 200)
      expect(answer).toStartWith('HTTP/1.1 408')
      expect(afterMs).toBeLessThan(5_000)
    }
  }, 45_000)

  it('still get an answer that the backend takes longer than that to give', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, json({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-slow' }))
    expect(res.status).toBe(200)
    expect(((await res.json()) as { model: string }).model).toBe('m')
  }, 25_000)
})
