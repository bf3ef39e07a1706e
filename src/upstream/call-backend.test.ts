// callBackend over an endpoint pool of fake upstreams speaking the real wire format: what it
// retries on another endpoint before the first byte, and whose failure it tells the breaker.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type FakeUpstream, startFakeUpstream } from '../../test/helpers/fake-upstream'
import { startUnacceptingPort } from '../../test/helpers/unaccepting-port'
import type { BackendConfig } from '../config/config-types'
import { callBackend } from './call-backend'
import type { UpstreamCall } from './call-upstream'
import { EndpointPool } from './endpoint-pool'

let a: FakeUpstream
let b: FakeUpstream
beforeAll(() => {
  a = startFakeUpstream()
  b = startFakeUpstream()
})
afterAll(async () => {
  await a.stop()
  await b.stop()
})

function backend(endpoints: string[], firstByteMs = 5_000): BackendConfig {
  return {
    name: 'internal',
    format: 'openai',
    responses: 'translate',
    base_url: endpoints[0]!,
    endpoints,
    circuit_breaker: { failure_threshold: 3, cooldown_ms: 10_000 },
    api_key: null,
    headers: {},
    timeouts: { connect_ms: 1_000, first_byte_ms: firstByteMs, idle_ms: 5_000 },
  }
}

function call(b: BackendConfig, caller = 'ann', stream = false): UpstreamCall {
  return { backend: b, endpoint: 'chat_completions', body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content: 'hi' }] }), stream, clientHeaders: null, search: '', requestId: 'req_t', signal: null, caller }
}

/** A pool whose first pick is `first` (ties go round-robin from the first endpoint). */
const poolOf = (cfg: BackendConfig) => new EndpointPool(cfg.endpoints, cfg.circuit_breaker)

describe('callBackend', () => {
  it('tries another endpoint when the first answers 504 before any byte', async () => {
    const cfg = backend([`${a.url}/v1`, `${b.url}/v1`])
    a.script.push({ kind: 'status', status: 504, body: { error: { message: 'upstream timed out' } } })
    const before = b.received.length
    const answer = await callBackend(call(cfg), poolOf(cfg))
    expect(answer.response.status).toBe(200)
    expect(answer.endpoint).toBe(`${b.url}/v1`)
    expect(b.received.length).toBe(before + 1)
    answer.release()
  })

  it('tries another endpoint when the first says nothing within first_byte_s, streams included', async () => {
    const cfg = backend([`${a.url}/v1`, `${b.url}/v1`], 300)
    a.script.push({ kind: 'hang' })
    const answer = await callBackend(call(cfg, 'ann', true), poolOf(cfg))
    expect(answer.response.status).toBe(200)
    expect(answer.endpoint).toBe(`${b.url}/v1`)
    await answer.response.text()
    answer.release()
  })

  it("keeps an endpoint in rotation through one user's 500s, and takes it out when several users fail", async () => {
    const cfg = backend([`${a.url}/v1`])
    const pool = poolOf(cfg)
    for (let i = 0; i < 5; i++) {
      a.script.push({ kind: 'status', status: 500, body: { error: { message: 'the model choked on this input' } } })
      const answer = await callBackend(call(cfg, 'mallory'), pool)
      expect(answer.response.status).toBe(500)
      answer.release()
    }
    expect(pool.hasAvailable()).toBe(true)
    for (const caller of ['ann', 'bob']) {
      a.script.push({ kind: 'status', status: 500, body: { error: { message: 'down' } } })
      ;(await callBackend(call(cfg, caller), pool)).release()
    }
    expect(pool.hasAvailable()).toBe(false)
  })
})

describe('callBackend with an endpoint that never accepts the connection', () => {
  for (const stream of [false, true]) {
    it(`gives up after connect_s, not first_byte_s, and takes another endpoint (${stream ? 'a stream: the own HTTP/1.1 client' : 'fetch'})`, async () => {
      // A fresh one each time: a connection that got through once would leave room for the next.
      const blackhole = await startUnacceptingPort()
      try {
        const cfg = backend([`${blackhole.url}/v1`, `${b.url}/v1`], 30_000)
        const started = performance.now()
        const answer = await callBackend(call(cfg, 'ann', stream), poolOf(cfg))
        expect(answer.response.status).toBe(200)
        expect(answer.endpoint).toBe(`${b.url}/v1`)
        // connect_s is 1 s here; first_byte_s 30 s.
        expect(performance.now() - started).toBeLessThan(5_000)
        await answer.response.text()
        answer.release()
      } finally {
        blackhole.stop()
      }
    }, 15_000)
  }
})
