// Random and mutated requests through the whole gateway (auth, parsing, validation, routing,
// translation, fake upstreams speaking the real wire formats): whatever arrives, the answer is a
// well-formed success or a clean error in the route's own shape, never a 500 and never a crash.
// Seeded, so a failure replays.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { anthropicRequest, junk, mutate, openAIRequest, pick, responsesRequest } from './helpers/fuzz-generators'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { buildTestApp, testConfig } from './helpers/gateway'
import { createRandom } from './helpers/replay-stream'

let up: FakeUpstream
let gw: ReturnType<typeof buildTestApp>
const KEY = 'sk-fuzz'
const ITERATIONS = 600

beforeAll(() => {
  up = startFakeUpstream()
  gw = buildTestApp(
    testConfig({
      server: { max_body_bytes: 200_000 },
      backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
      models: { 'qwen3-32b': { backend: 'internal' }, 'claude-*': { backend: 'claude' }, 'gpt-*': { backend: 'claude' } },
      tiers: { enterprise: { daily_requests: null, models: ['*'], routes: { 'claude-*haiku*': 'qwen3-32b' } } },
      auth: { keys: [{ key: KEY, user: 'fuzz', tier: 'enterprise' }] },
    }),
  )
})
afterAll(async () => {
  await gw.close()
  await up.stop()
})

const MODELS = ['claude-haiku-4-5', 'claude-opus-5-5', 'qwen3-32b', 'gpt-4o', 'no-such-model']

function body(r: () => number, route: string): string {
  const roll = r()
  if (roll < 0.1) return JSON.stringify(junk(r)) ?? 'undefined'
  if (roll < 0.15) return JSON.stringify(anthropicRequest(r)).slice(0, Math.floor(r() * 200))
  const base = route === '/v1/chat/completions' ? openAIRequest(r) : route === '/v1/responses' ? responsesRequest(r) : anthropicRequest(r)
  base.model = pick(r, MODELS)
  if (r() < 0.5) base.stream = true
  return JSON.stringify(r() < 0.6 ? mutate(base, r, 1 + Math.floor(r() * 4)) : base)
}

describe('random and mutated requests through the whole gateway (fake upstream)', () => {
  it(`answers ${ITERATIONS} of them with success or a clean error in the route's shape`, async () => {
    const r = createRandom(20261127)
    const statuses = new Map<number, number>()
    for (let i = 0; i < ITERATIONS; i++) {
      const route = pick(r, ['/v1/messages', '/v1/chat/completions', '/v1/messages/count_tokens', '/v1/responses'])
      const payload = body(r, route)
      const res = await gw.handle(route, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: payload })
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      const where = `iteration ${i}, ${route}, body ${payload.slice(0, 300)}`
      // 5xx only as the contract's upstream errors; never a 500 from the gateway itself.
      if (res.status >= 500 && res.status !== 502 && res.status !== 529) throw new Error(`${res.status} at ${where}`)
      const text = await res.text()
      if (res.status >= 400) {
        const parsed = JSON.parse(text) as Record<string, any>
        if (route.startsWith('/v1/messages')) expect(parsed.type === 'error' && typeof parsed.error.type === 'string').toBe(true)
        else expect(typeof parsed.error.message === 'string' && typeof parsed.error.type === 'string').toBe(true)
      } else if ((res.headers.get('content-type') ?? '').includes('application/json')) {
        expect(() => JSON.parse(text)).not.toThrow()
      }
      expect(res.headers.get('request-id')).toMatch(/^req_/)
    }
    // The fuzz reached every layer: successes, validation errors and unknown models all happened.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0)
    expect((await gw.handle('/health')).status).toBe(200)
  }, 120_000)
})
