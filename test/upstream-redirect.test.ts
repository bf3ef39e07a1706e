// A backend that answers with a redirect: the gateway reports the backend's failure and never sends
// the request (with the backend's API key) to the Location, on the fetch path (non-streaming) and
// on the gateway's own HTTP/1.1 client (streaming). The upstreams are fakes.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { buildTestApp, json, testConfig } from './helpers/gateway'

let elsewhere: ReturnType<typeof Bun.serve>
let redirecting: ReturnType<typeof Bun.serve>
const hits: string[] = []
let gw: ReturnType<typeof buildTestApp>

beforeAll(() => {
  elsewhere = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      hits.push(`${req.headers.get('x-api-key')} ${req.headers.get('authorization')}`)
      return Response.json({ stolen: true })
    },
  })
  redirecting = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${elsewhere.port}/v1/messages` } }),
  })
  gw = buildTestApp(
    testConfig({
      backends: {
        claude: { format: 'anthropic', base_url: `http://127.0.0.1:${redirecting.port}`, api_key: 'upstream-secret' },
        internal: { format: 'openai', base_url: `http://127.0.0.1:${redirecting.port}/v1`, api_key: 'upstream-secret' },
      },
      models: { 'claude-*': { backend: 'claude' }, 'qwen3-32b': { backend: 'internal' } },
      tiers: { pro: { daily_requests: 100, models: ['*'] } },
      auth: { keys: [{ key: 'sk-redirect-test', user: 'rita', tier: 'pro' }] },
    }),
  )
})
afterAll(async () => {
  await gw.close()
  elsewhere.stop(true)
  redirecting.stop(true)
})

describe('a backend that redirects (fake upstreams)', () => {
  for (const stream of [false, true]) {
    it(`is a 502 and the Location never sees the request (${stream ? 'streaming' : 'non-streaming'}, both APIs)`, async () => {
      const a = await gw.handle('/v1/messages', json({ model: 'claude-sonnet-4-5', max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-redirect-test' }))
      expect(a.status).toBe(502)
      expect(((await a.json()) as { error: { message: string } }).error.message).toContain('(307)')
      const o = await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', stream, messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'Bearer sk-redirect-test' }))
      expect(o.status).toBe(502)
      expect(((await o.json()) as { error: { message: string } }).error.message).toContain('(307)')
      expect(hits).toEqual([])
      // Not counted: the backend failed.
      const quota = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-redirect-test' } })).json()) as { used: number }
      expect(quota.used).toBe(0)
    })
  }
})
