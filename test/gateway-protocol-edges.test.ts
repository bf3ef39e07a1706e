// What Claude Code meets at the edges of the gateway protocol, without sign-in: a base URL that
// ends in /v1 (the doubled prefix), 401s that tell its SDK not to retry the same credential, and
// oversized bodies answered in the client's error shape at any size. The built-in demo backend
// answers; a listening gateway (Bun's own server) is started for the body limits.
import { afterAll, describe, expect, it } from 'bun:test'
import { buildTestApp, json, listenTestGateway, testConfig } from './helpers/gateway'

const KEY = 'sk-edges-test'
const app = buildTestApp(testConfig({ backends: { demo: { format: 'demo' } }, models: { 'claude-*': { backend: 'demo' }, m: { backend: 'demo' } }, auth: { keys: [{ key: KEY, user: 'u', tier: 'pro' }] }, tiers: { pro: {} } }))
afterAll(() => app.close())

const message = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }

describe('a base URL ending in /v1 (ANTHROPIC_BASE_URL=https://gateway/v1)', () => {
  it('answers /v1/v1/messages, its count_tokens, /v1/v1/chat/completions and GET /v1/v1/models', async () => {
    expect((await app.handle('/v1/v1/messages?beta=true', json(message, { 'x-api-key': KEY }))).status).toBe(200)
    expect((await app.handle('/v1/v1/messages/count_tokens', json({ model: 'claude-sonnet-4-5', messages: message.messages }, { 'x-api-key': KEY }))).status).toBe(200)
    expect((await app.handle('/v1/v1/chat/completions', json({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': KEY }))).status).toBe(200)
    const models = await app.handle('/v1/v1/models', { headers: { 'x-api-key': KEY } })
    expect(models.status).toBe(200)
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['m'])
  })

  it('answers errors there in the Anthropic shape, like /v1/messages', async () => {
    const refused = await app.handle('/v1/v1/messages', json(message))
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })
})

describe('401 answers', () => {
  it('carry x-should-retry: false on the LLM routes and the others', async () => {
    for (const [path, init] of [
      ['/v1/messages', json(message, { 'x-api-key': 'sk-wrong' })],
      ['/v1/chat/completions', json({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer sk-wrong' })],
      ['/v1/models', {}],
      ['/managed/settings', { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' } }],
    ] as const) {
      const response = await app.handle(path, init)
      expect({ path, status: response.status, retry: response.headers.get('x-should-retry') }).toEqual({ path, status: 401, retry: 'false' })
    }
  })

  it('are not sent on other errors', async () => {
    const notFound = await app.handle('/v1/messages', json({ ...message, model: 'gpt-x' }, { 'x-api-key': KEY }))
    expect(notFound.status).toBe(404)
    expect(notFound.headers.get('x-should-retry')).toBeNull()
  })
})

describe('bodies over max_body_bytes, however large', () => {
  const gw = listenTestGateway(testConfig({ server: { max_body_bytes: 1024 * 1024 }, backends: { demo: { format: 'demo' } }, models: { m: { backend: 'demo' } }, auth: { keys: [{ key: KEY, user: 'u', tier: 'pro' }] }, tiers: { pro: {} } }))
  afterAll(() => gw.stop())
  const big = `{"model":"m","messages":[],"pad":"${'a'.repeat(8 * 1024 * 1024)}"}`

  it('get a JSON 413 in the route\'s shape, far past the limit too (never the server\'s empty 413)', async () => {
    const llm = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: big })
    expect(llm.status).toBe(413)
    expect(await llm.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
    // The admin key API checks the caller before it reads a byte: anonymous, whatever the size, is a 401.
    const admin = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(admin.status).toBe(401)
    // The other routes take a small body (a few fields), bounded before they run: 413 past it.
    const grant = await fetch(`${gw.url}/admin/users/u/grants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"requests":1,"pad":"${'a'.repeat(100 * 1024)}"}` })
    expect(grant.status).toBe(413)
    expect(await grant.json()).toMatchObject({ error: { type: 'request_too_large' } })
    const otlp = await fetch(`${gw.url}/v1/metrics`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/x-protobuf' }, body: new Uint8Array(3 * 1024 * 1024) })
    expect(otlp.status).toBe(413)
    expect(await otlp.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
  })

  it('refuses a body of unknown length on a route that does not read one itself, with 411', async () => {
    const chunked = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"user":"x","tier":"pro"}')), c.close()) })
    const answer = await fetch(`${gw.url}/v1/metrics`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/x-protobuf' }, body: chunked })
    expect(answer.status).toBe(411)
    expect(await answer.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
    // The admin API reads its body itself, within a limit, once the caller is known: an anonymous one gets 401.
    const admin = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{}')), c.close()) }) })
    expect(admin.status).toBe(401)
    expect((await fetch(`${gw.url}/health`)).status).toBe(200)
  })
})
