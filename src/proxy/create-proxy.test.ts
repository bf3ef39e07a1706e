// The pipeline alone, without the HTTP edge: built from a config with a fake quota store (a Map)
// and fake LLM backends that speak the real wire formats (test/helpers/fake-upstream.ts).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type FakeUpstream, startCuttingUpstream, startFakeUpstream } from '../../test/helpers/fake-upstream'
import { normalizeConfig } from '../config/normalize-config'
import { silentLogger } from '../logging/logger'
import { createGatewayMetrics } from '../metrics/gateway-metrics'
import { createQuotaService } from '../quota/quota-service'
import type { QuotaStore } from '../quota/quota-store'
import { createModelResolver } from '../routing/resolve-model'
import { createEndpointPools } from '../upstream/create-endpoint-pools'
import type { FinishedRequest } from '../usage/usage-ledger'
import { createProxy } from './create-proxy'
import type { ProxyRequest } from './proxy-request'
import { createStreamTracker } from './stream-tracker'

/** A quota store in a Map: what admissions and give-backs did is read straight from it. */
function fakeQuotaStore() {
  const requests = new Map<string, number>()
  let admissions = 0
  const store: QuotaStore = {
    async admit(user, day, limits) {
      admissions++
      const used = requests.get(`${user}/${day}`) ?? 0
      if (limits.requests !== null && used >= limits.requests) return { allowed: false, used, tokensUsed: 0, deniedBy: 'requests' }
      requests.set(`${user}/${day}`, used + 1)
      return { allowed: true, used: used + 1, tokensUsed: 0, deniedBy: null }
    },
    async release(user, day) {
      requests.set(`${user}/${day}`, Math.max(0, (requests.get(`${user}/${day}`) ?? 0) - 1))
    },
    async addTokens() {},
    async counts(user, day) {
      return { requests: requests.get(`${user}/${day}`) ?? 0, inputTokens: 0, outputTokens: 0 }
    },
    async ping() {},
    async close() {},
  }
  return { store, admissions: () => admissions, used: (user: string) => [...requests].filter(([k]) => k.startsWith(`${user}/`)).reduce((n, [, v]) => n + v, 0) }
}

let primary: FakeUpstream
let fallback: FakeUpstream
let cutting: { url: string; stop(): void }

beforeAll(() => {
  primary = startFakeUpstream()
  fallback = startFakeUpstream()
  cutting = startCuttingUpstream()
})
afterAll(async () => {
  await primary.stop()
  await fallback.stop()
  cutting.stop()
})

function pipeline() {
  const { config, problems } = normalizeConfig(
    {
      backends: {
        main: { format: 'openai', base_url: `${primary.url}/v1` },
        spare: { format: 'openai', base_url: `${fallback.url}/v1` },
        flaky: { format: 'openai', base_url: `${cutting.url}/v1` },
      },
      models: {
        'main-model': { backend: 'main', fallbacks: ['spare-model'] },
        'flaky-model': { backend: 'flaky', fallbacks: ['spare-model'] },
        'spare-model': { backend: 'spare' },
      },
      tiers: { free: { daily_requests: 10, models: ['*'] } },
    },
    { source: 'test', lenientModels: false },
  )
  expect(problems).toEqual([])
  const quotaStore = fakeQuotaStore()
  const finished: FinishedRequest[] = []
  const proxy = createProxy({
    resolveModel: createModelResolver(config),
    pools: createEndpointPools(config),
    tiers: config.tiers,
    quota: createQuotaService({ store: quotaStore.store, timeZone: 'UTC', onStoreError: 'reject' }),
    limits: null,
    metrics: createGatewayMetrics(),
    log: silentLogger,
    streams: createStreamTracker(),
    ledger: { record: (r) => finished.push(r) },
  })
  return { proxy, used: quotaStore.used, admissions: quotaStore.admissions, finished }
}

function request(model: string, stream = false, identity: ProxyRequest['identity'] = { user: 'ann', tier: 'free', source: 'static-key' }): ProxyRequest {
  return {
    format: 'anthropic',
    endpoint: 'messages',
    body: { model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] },
    identity,
    requestId: 'req_test',
    headers: new Headers(),
    search: '',
    signal: null,
  }
}

async function statusOf(promise: Promise<Response>): Promise<number> {
  try {
    return (await promise).status
  } catch (error) {
    return (error as { status: number }).status
  }
}

describe('the proxy pipeline (fake quota store, fake backends)', () => {
  it('counts a request that the backend answered, once', async () => {
    const { proxy, used } = pipeline()
    const response = await proxy(request('spare-model'))
    expect(response.status).toBe(200)
    expect(((await response.json()) as { model: string }).model).toBe('spare-model')
    expect(used('ann')).toBe(1)
  })

  it('gives the request back when the backend answers 500', async () => {
    const { proxy, used } = pipeline()
    primary.script.push({ kind: 'status', status: 500, body: { error: { message: 'boom', type: 'server_error' } } })
    fallback.script.length = 0
    const before = fallback.received.length
    expect(await statusOf(proxy(request('main-model')))).toBe(502)
    expect(used('ann')).toBe(0)
    // A 500 is the backend's answer, not its absence: no fallback is tried.
    expect(fallback.received.length).toBe(before)
  })

  it('falls back to the next candidate when the backend is overloaded before the first byte, counting once', async () => {
    const { proxy, used } = pipeline()
    primary.script.push({ kind: 'status', status: 503, body: { error: { message: 'busy', type: 'overloaded' } } })
    const before = fallback.received.length
    const response = await proxy(request('main-model'))
    expect(response.status).toBe(200)
    expect(response.headers.get('x-gateway-routed-model')).toBe('spare-model')
    expect(fallback.received.length).toBe(before + 1)
    expect(used('ann')).toBe(1)
  })

  it('gives the request back when every candidate is unavailable', async () => {
    const { proxy, used } = pipeline()
    primary.script.push({ kind: 'status', status: 503, body: { error: { message: 'busy' } } })
    fallback.script.push({ kind: 'status', status: 503, body: { error: { message: 'busy' } } })
    expect(await statusOf(proxy(request('main-model')))).toBe(529)
    expect(used('ann')).toBe(0)
  })

  it('refuses a request the backend format cannot express with a 400, before counting it or calling the backend', async () => {
    const { proxy, admissions } = pipeline()
    const before = primary.received.length
    const thread = request('main-model')
    // Message threads need a backend that keeps the conversation: an OpenAI-format one keeps none.
    thread.body.thread = { id: 'thr_1' }
    expect(await statusOf(proxy(thread))).toBe(400)
    expect(admissions()).toBe(0)
    expect(primary.received.length).toBe(before)
  })

  it('never tries another candidate once the first byte of a stream has gone out', async () => {
    const { proxy, used } = pipeline()
    const before = fallback.received.length
    const response = await proxy(request('flaky-model', true))
    expect(response.status).toBe(200)
    const text = await response.text()
    // The stream began, broke, and ended with an error event in the client's format.
    expect(text).toContain('event: message_start')
    expect(text).toContain('event: error')
    expect(fallback.received.length).toBe(before)
    expect(used('ann')).toBe(1)
  })

  it("counts a Keycloak user apart from a key user of the same id: ids from keys and from Keycloak never share a quota", async () => {
    const { proxy, used } = pipeline()
    await (await proxy(request('spare-model'))).text()
    await (await proxy(request('spare-model', false, { user: 'ann', tier: 'free', source: 'keycloak' }))).text()
    await (await proxy(request('spare-model', false, { user: 'ann', tier: 'free', source: 'keycloak' }))).text()
    expect(used('ann')).toBe(1)
    expect(used('keycloak:ann')).toBe(2)
  })

  it('records each answered request in the usage ledger once its answer has ended: tokens, fallbacks, refusals and broken streams', async () => {
    const { proxy, finished } = pipeline()
    await (await proxy(request('spare-model'))).text()
    expect(finished.at(-1)).toMatchObject({ user: 'ann', tier: 'free', requested: 'spare-model', model: 'spare-model', backend: 'spare', failed: false, usage: { input_tokens: 12, output_tokens: 5 } })
    primary.script.push({ kind: 'status', status: 503, body: { error: { message: 'busy' } } })
    await (await proxy(request('main-model'))).text()
    expect(finished.at(-1)).toMatchObject({ requested: 'main-model', model: 'spare-model', backend: 'spare', failed: false })
    expect(await statusOf(proxy(request('no-such-model')))).toBe(404)
    expect(finished.at(-1)).toMatchObject({ requested: 'no-such-model', model: '', backend: '', failed: true })
    // A stream counts when it ends, not when its headers go out.
    const count = finished.length
    const stream = await proxy(request('flaky-model', true))
    expect(finished.length).toBe(count)
    await stream.text()
    await Bun.sleep(0)
    expect(finished.length).toBe(count + 1)
    expect(finished.at(-1)).toMatchObject({ requested: 'flaky-model', backend: 'flaky', failed: true })
  })
})
