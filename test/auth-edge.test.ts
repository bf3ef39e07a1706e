// The HTTP edge's authentication as a hostile client meets it, on the real app with the embedded
// store: failed authentications counted against the address that made them, whichever route they
// came through, so that one client can neither lock others out nor dodge the failed-login limit.
import { afterEach, describe, expect, it } from 'bun:test'
import type { AddressSource } from '../src/http/middleware/client-address'
import { buildTestApp, json, testConfig } from './helpers/gateway'

function gateway() {
  return buildTestApp(testConfig({ backends: { demo: { format: 'demo' } }, models: { m: { backend: 'demo' } }, tiers: { pro: { models: ['*'] } }, auth: { admin_key: 'admin-key-for-auth-edge-tests' } }))
}
let gw: ReturnType<typeof gateway>
afterEach(async () => {
  await gw?.close()
})

/** Sends `request` as if from `address`, through a server that, as Bun's, knows the address of the requests it accepted only. */
const send = (request: Request, address: string) => gw.app.handle(request, { requestIP: (r: Request) => (r === request ? { address } : null) } satisfies AddressSource)
const call = (path: string, init: RequestInit, address: string) => send(new Request(`http://localhost${path}`, init), address)
const otlp = (key: string): RequestInit => ({ method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{}' })

describe('failed authentications on the telemetry and managed-settings routes', () => {
  it('count against the address that made them, not one bucket shared by every client', async () => {
    gw = gateway()
    const attacker = '203.0.113.66'
    for (let i = 0; i < 25; i++) {
      const path = i % 2 === 0 ? '/v1/metrics' : '/managed/settings'
      const init = i % 2 === 0 ? otlp(`sk-made-up-${i}`) : { headers: { 'x-api-key': `sk-made-up-${i}` } }
      expect([401, 429]).toContain((await call(path, init, attacker)).status)
    }
    // Another user, with a key never seen before, from another address: not locked out.
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'pro' })
    expect((await call('/v1/metrics', otlp(key), '198.51.100.7')).status).toBe(200)
    expect((await call('/managed/settings', { headers: { 'x-api-key': key } }, '198.51.100.8')).status).not.toBe(429)
    // The address that kept failing is held to the limit on the LLM routes too.
    const llm = await call('/v1/chat/completions', json({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-made-up-again' }), attacker)
    expect(llm.status).toBe(429)
  })
})

describe('console sign-in with made-up keys', () => {
  it('is held to the failed-login limit of the address, as every other route is', async () => {
    gw = gateway()
    const guesser = '203.0.113.9'
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) statuses.push((await call('/console/api/session', json({ key: `sk-guess-${i}` }), guesser)).status)
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
    const refused = await call('/console/api/session', json({ key: 'sk-guess-again' }), guesser)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    // One limit per address, whichever route the guesses came through.
    expect((await call('/v1/chat/completions', json({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-guess-llm' }), guesser)).status).toBe(429)
    // Another address signs in as usual.
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'pro' })
    expect((await call('/console/api/session', json({ key }), '198.51.100.7')).status).toBe(200)
  })
})

/** A chunked body of `total` bytes that counts how much of it was read. */
function countedBody(total: number, chunk = 64 * 1024) {
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close()
      const bytes = new Uint8Array(Math.min(chunk, total - sent)).fill(0x20)
      if (sent === 0) bytes[0] = 0x7b // '{'
      sent += bytes.byteLength
      controller.enqueue(bytes)
    },
  })
  return { stream, read: () => sent }
}

describe('a Host header of fewer than four characters', () => {
  it('routes every route by the path the request names (a Service called "llm" on port 80)', async () => {
    gw = gateway()
    for (const host of ['llm', 'gw', 'a', 'a:1']) {
      const health = await gw.app.handle(new Request(`http://${host}/health`))
      expect(health.status).toBe(200)
      const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'pro' })
      expect((await gw.app.handle(new Request(`http://${host}/quota`, { headers: { 'x-api-key': key } }))).status).toBe(200)
    }
  })

  it('never lets an anonymous body past the admin key API unread-and-bounded by routing it elsewhere', async () => {
    gw = gateway()
    const body = countedBody(16 * 1024 * 1024)
    const response = await gw.app.handle(new Request('http://a/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.stream }))
    expect(response.status).toBe(401)
    expect(body.read()).toBeLessThan(1024 * 1024)
  })
})

describe('requests the gateway hands on to its routes under another URL', () => {
  it('still count failed authentications against the address they came from', async () => {
    gw = gateway()
    // A short Host header and a body: both are handed on as new Request objects.
    for (let i = 0; i < 25; i++) await send(new Request('http://a/console/api/session', json({ key: `sk-guess-${i}` })), '203.0.113.5')
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'pro' })
    expect((await send(new Request('http://a/console/api/session', json({ key })), '198.51.100.7')).status).toBe(200)
    expect((await send(new Request('http://a/quota', { headers: { 'x-api-key': 'sk-guess-x' } }), '198.51.100.7')).status).toBe(401)
  })
})

describe('answers given before any route runs', () => {
  it('carry a request id of the gateway, as every response does', async () => {
    gw = gateway()
    const big = await send(new Request('http://localhost/admin/users/ann/grants', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100000' }, body: 'x'.repeat(100_000) }), '198.51.100.7')
    expect(big.status).toBe(413)
    const chunked = await send(new Request('http://localhost/console/api/session', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: countedBody(10).stream }), '198.51.100.7')
    expect(chunked.status).toBe(411)
    for (const response of [big, chunked]) {
      expect(response.headers.get('request-id')).toMatch(/^req_[0-9a-f]{32}$/)
      expect(response.headers.get('x-request-id')).toBe(response.headers.get('request-id'))
    }
  })
})

describe('errors under the doubled /v1/v1 prefix (a base URL ending in /v1)', () => {
  it("are in Anthropic's shape on the messages routes, as under /v1", async () => {
    gw = gateway()
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'pro' })
    const answers = [
      await send(new Request('http://localhost/v1/v1/messages/batches', { headers: { 'x-api-key': key } }), '198.51.100.7'),
      await send(new Request('http://localhost/v1/v1/messages', { method: 'PUT', headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': '100000' }, body: 'x'.repeat(100_000) }), '198.51.100.7'),
    ]
    expect(answers.map((r) => r.status)).toEqual([404, 413])
    for (const response of answers) expect(await response.json()).toMatchObject({ type: 'error', error: { type: expect.any(String) } })
  })
})

describe("a user's bodies still arriving", () => {
  it("are held to the tier's concurrent_requests before they are read, so one user cannot fill the memory with bodies", async () => {
    gw = buildTestApp(testConfig({ backends: { demo: { format: 'demo' } }, models: { m: { backend: 'demo' } }, tiers: { free: { models: ['*'], concurrent_requests: 2 } } }))
    const { key } = await gw.runtime.keyStore.create({ user: 'fred', tier: 'free' })
    const { key: other } = await gw.runtime.keyStore.create({ user: 'gina', tier: 'free' })
    const hanging: ReadableStreamDefaultController<Uint8Array>[] = []
    const slowBody = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"model":"m",'))
          hanging.push(controller)
        },
      })
    const post = (k: string, body: ReadableStream<Uint8Array> | string) =>
      send(new Request('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'x-api-key': k, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body }), '198.51.100.7')
    const first = [post(key, slowBody()), post(key, slowBody())]
    await Bun.sleep(50)
    const third = await Promise.race([post(key, slowBody()), Bun.sleep(1_000).then(() => null)])
    expect(third?.status).toBe(429)
    expect(((await third!.json()) as { error: { code: string } }).error.code).toBe('concurrent_requests_exceeded')
    // Another user is not held back by fred's bodies.
    const gina = await post(other, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))
    expect(gina.status).toBe(200)
    // Once fred's bodies are in, his places are free again.
    for (const c of hanging) {
      c.enqueue(new TextEncoder().encode('"messages":[{"role":"user","content":"hi"}]}'))
      c.close()
    }
    await Promise.all(first)
    expect((await post(key, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200)
  })
})

describe('the routing simulator', () => {
  it('answers a tier named like an Object property with 400 unknown tier, never a 500', async () => {
    gw = gateway()
    for (const tier of ['__proto__', 'constructor', 'toString']) {
      const response = await send(new Request(`http://localhost/admin/routing/simulate?tier=${tier}&model=m`, { headers: { 'x-api-key': 'admin-key-for-auth-edge-tests' } }), '198.51.100.7')
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('unknown tier')
    }
  })
})

describe('a JSON body nested deeper than 256 levels on the routes Elysia reads', () => {
  it('is a 400 at once, before the schema check spends seconds of the only thread on it', async () => {
    gw = gateway()
    const deep = '['.repeat(30_000) + ']'.repeat(30_000)
    const started = performance.now()
    const response = await send(new Request('http://localhost/admin/users/ann/grants', { ...json({}, { 'x-api-key': 'admin-key-for-auth-edge-tests' }), body: `{"requests":${deep}}` }), '198.51.100.7')
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('nested too deeply')
    expect(performance.now() - started).toBeLessThan(1_000)
  }, 30_000)
})
