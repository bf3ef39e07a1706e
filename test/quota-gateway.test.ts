// Daily quotas as the gateway enforces them (the README's Quotas), end to end: 429s in the route's
// own format with retry-after and rate-limit headers (streams included), give-back on upstream
// failures, the day boundary with an injected clock, and exact admission under concurrency on the
// embedded store (which survives a SIGKILL and belongs to one process), on three gateway processes
// sharing one real Redis, and on a real Redis Cluster.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary } from './helpers/binary'
import { runBounded } from './helpers/run-bounded'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { freePort } from './helpers/free-port'
import { startLocalIdp } from './helpers/local-idp'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { startRedisCluster } from './helpers/redis-cluster'
import { startRedis } from './helpers/redis-server'
import { waitFor } from './helpers/wait-for'

let up: FakeUpstream
beforeAll(() => {
  up = startFakeUpstream()
})
afterAll(async () => {
  await up.stop()
})

function config(extra: Record<string, unknown> = {}) {
  return testConfig({
    backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
    models: { 'qwen3-32b': { backend: 'internal' }, 'claude-*': { backend: 'claude' } },
    tiers: { free: { daily_requests: 3, models: ['*'] }, enterprise: { daily_requests: null, models: ['*'] } },
    auth: { keys: [{ key: 'sk-free', user: 'fay', tier: 'free' }, { key: 'sk-ent', user: 'eve', tier: 'enterprise' }] },
    ...extra,
  })
}
const msg = (extra: Record<string, unknown> = {}) => ({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...extra })
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }], ...extra })

describe('quota on one gateway with the embedded store (fake upstream)', () => {
  it('counts requests, sends rate-limit headers, and answers 429 in each route format', async () => {
    const gw = buildTestApp(config())
    try {
      const r1 = await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))
      expect(r1.status).toBe(200)
      expect(r1.headers.get('anthropic-ratelimit-requests-limit')).toBe('3')
      expect(r1.headers.get('anthropic-ratelimit-requests-remaining')).toBe('2')
      expect(r1.headers.get('x-ratelimit-remaining-requests')).toBe('2')
      // Streaming responses carry the headers too, before the first byte.
      const r2 = await gw.handle('/v1/chat/completions', json(chat({ stream: true }), { 'x-api-key': 'sk-free' }))
      expect(r2.headers.get('x-ratelimit-limit-requests')).toBe('3')
      expect(r2.headers.get('x-ratelimit-remaining-requests')).toBe('1')
      expect(r2.headers.get('anthropic-ratelimit-requests-limit')).toBeNull()
      await r2.text()
      expect((await gw.handle('/v1/messages', json(msg({ stream: true }), { 'x-api-key': 'sk-free' }))).status).toBe(200)

      const a = await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))
      expect(a.status).toBe(429)
      expect(((await a.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error')
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(a.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0')
      const o = await gw.handle('/v1/chat/completions', json(chat(), { 'x-api-key': 'sk-free' }))
      expect(o.status).toBe(429)
      expect(((await o.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: 'rate_limit_error' })
      expect(o.headers.get('x-ratelimit-remaining-requests')).toBe('0')

      // count_tokens, /v1/models and /quota never count, even with the quota used up.
      expect((await gw.handle('/v1/messages/count_tokens', json({ model: 'claude-haiku-4-5', messages: [] }, { 'x-api-key': 'sk-free' }))).status).toBe(200)
      expect((await gw.handle('/v1/models', { headers: { 'x-api-key': 'sk-free' } })).status).toBe(200)
      const q = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-free' } })).json()) as Record<string, unknown>
      expect(q).toMatchObject({ user: 'fay', tier: 'free', limit: 3, used: 3, remaining: 0 })
      expect(typeof q.resets_at).toBe('string')
      expect(gw.metrics.quotaRejections.get({ tier: 'free' })).toBe(2)
    } finally {
      await gw.close()
    }
  })

  it('gives the request back when the upstream answers 500 or refuses the connection, not after a stream started', async () => {
    const gw = buildTestApp(
      config({
        backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` }, dead: { format: 'openai', base_url: `http://127.0.0.1:${await freePort()}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' }, 'dead-model': { backend: 'dead' }, 'claude-*': { backend: 'claude' } },
      }),
    )
    const used = async () => ((await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-free' } })).json()) as { used: number }).used
    try {
      up.script.push({ kind: 'status', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'x' } } })
      expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(502)
      expect((await gw.handle('/v1/chat/completions', json(chat({ model: 'dead-model' }), { 'x-api-key': 'sk-free' }))).status).toBe(502)
      expect(await used()).toBe(0)

      up.script.push({ kind: 'slow-stream', delayMs: 50 })
      const res = await gw.handle('/v1/messages', json(msg({ stream: true }), { 'x-api-key': 'sk-free' }))
      const reader = res.body!.getReader()
      await reader.read()
      await reader.cancel()
      expect(await used()).toBe(1)
    } finally {
      await gw.close()
    }
  })

  it('resets at local midnight of the configured time zone, and retry-after points there', async () => {
    let now = new Date('2026-03-10T22:59:00Z') // 23:59 in Europe/Paris (UTC+1)
    const gw = buildTestApp(config({ quota: { timezone: 'Europe/Paris' } }), { now: () => now })
    try {
      for (let i = 0; i < 3; i++) expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(200)
      const refused = await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('60')
      const q = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-free' } })).json()) as { resets_at: string }
      expect(new Date(q.resets_at).toISOString()).toBe('2026-03-10T23:00:00.000Z')
      now = new Date('2026-03-10T23:00:01Z') // 00:00:01 the next day in Paris
      expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it('admits exactly the limit out of 50 simultaneous requests', async () => {
    const gw = buildTestApp(config({ tiers: { free: { daily_requests: 10, models: ['*'] }, enterprise: { daily_requests: null, models: ['*'] } } }))
    try {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' })).then((r) => r.status)))
      expect(statuses.filter((s) => s === 200).length).toBe(10)
      expect(statuses.filter((s) => s === 429).length).toBe(40)
    } finally {
      await gw.close()
    }
  })

  it("shows a Keycloak user, in /quota, the requests counted for them (their own namespace, apart from key users)", async () => {
    const idp = await startLocalIdp()
    const gw = buildTestApp(config({ auth: { providers: ['keys', 'keycloak'], keycloak: { issuer: idp.issuer, audience: 'llm-gateway', tier_map: { 'tier-free': 'free' } }, keys: [{ key: 'sk-fay', user: 'kc-user-7', tier: 'free' }] } }))
    try {
      const token = await idp.sign({ sub: 'kc-user-7', realm_access: { roles: ['tier-free'] } })
      const bearer = { authorization: `Bearer ${token}` }
      expect((await gw.handle('/v1/messages', json(msg(), bearer))).status).toBe(200)
      expect((await gw.handle('/v1/messages', json(msg(), bearer))).status).toBe(200)
      const quota = (await (await gw.handle('/quota', { headers: bearer })).json()) as { user: string; used: number; remaining: number }
      expect(quota).toMatchObject({ user: 'kc-user-7', used: 2, remaining: 1 })
      // A key user of the same id has a quota of their own.
      const keyUser = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-fay' } })).json()) as { used: number }
      expect(keyUser.used).toBe(0)
    } finally {
      await gw.close()
      await idp.stop()
    }
  })

  it('unlimited tiers are never refused and report null limits', async () => {
    const gw = buildTestApp(config())
    try {
      for (let i = 0; i < 5; i++) expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-ent' }))).status).toBe(200)
      const q = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-ent' } })).json()) as Record<string, unknown>
      expect(q).toMatchObject({ limit: null, remaining: null, used: 5 })
    } finally {
      await gw.close()
    }
  })
})

/**
 * The compiled binary in an empty directory with a gw.yaml that gives `user` (key `key`) `limit`
 * requests a day against the fake upstream; `run` starts one gateway process there.
 */
async function binaryWithConfig(key: string, user: string, limit: number, extra = '') {
  const { dir, bin } = await emptyDirWithBinary()
  writeFileSync(
    join(dir, 'gw.yaml'),
    `auth: { keys: [{ key: ${key}, user: ${user}, tier: free }] }
backends: { claude: { format: anthropic, base_url: "${up.url}" } }
models: { "claude-*": { backend: claude } }
tiers: { free: { daily_requests: ${limit}, models: ["*"] } }
${extra}`,
  )
  return { dir, bin, run: (env: Record<string, string>) => runBinary(bin, ['--config', 'gw.yaml'], env, dir) }
}

// Three real gateway processes (the compiled binary) sharing one store.
async function threeGateways(redisUrl: string, limit: number): Promise<RunningBinary[]> {
  const { run } = await binaryWithConfig('sk-shared', 'sam', limit)
  return Promise.all([0, 1, 2].map(() => run({ QUOTA_REDIS_URL: redisUrl })))
}

async function fireSpread(gateways: RunningBinary[], n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      fetch(`${gateways[i % gateways.length]!.url}/v1/messages`, json(msg(), { 'x-api-key': 'sk-shared' })).then(async (r) => {
        await r.arrayBuffer()
        return r.status
      }),
    ),
  )
}

describe('quota shared by three gateway processes (fake upstream)', () => {
  const stores: [name: string, start: () => Promise<{ url: string; stop(): Promise<void> }>, timeout: number][] = [
    ['one real Redis', startRedis, 60_000],
    ['a real three-master Redis Cluster', startRedisCluster, 90_000],
  ]
  for (const [name, start, timeout] of stores) {
    it(`on ${name}: exactly 10 of 50 simultaneous requests pass`, async () => {
      const store = await start()
      const gateways = await threeGateways(store.url, 10)
      try {
        const statuses = await fireSpread(gateways, 50)
        expect(statuses.filter((s) => s === 200).length).toBe(10)
        expect(statuses.filter((s) => s === 429).length).toBe(40)
      } finally {
        await Promise.all(gateways.map((g) => g.stop()))
        await store.stop()
      }
    }, timeout)
  }
})

describe('the store going down (fake upstream)', () => {
  it('with on_store_error reject: 503 and /ready 503 while Redis is down, counting resumes when it is back', async () => {
    const redis = await startRedis()
    const gw = buildTestApp(config({ store: { redis_url: redis.url }, quota: { on_store_error: 'reject' } }))
    try {
      await gw.ready()
      expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(200)
      await redis.pause()
      const down = await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))
      expect(down.status).toBe(503)
      const body = await down.text()
      expect(body).toContain('quota store')
      expect(body).not.toContain(String(redis.port))
      expect((await gw.handle('/ready')).status).toBe(503)
      expect((await gw.handle('/health')).status).toBe(200)
      await redis.resume()
      // The fresh Redis lost its data (no persistence): counting starts again from zero.
      expect(await waitFor(async () => (await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status === 200, 5_000, 100)).toBe(true)
      // Readiness comes back with the store's next successful health probe (every second).
      expect(await waitFor(async () => (await gw.handle('/ready')).status === 200, 5_000, 100)).toBe(true)
    } finally {
      await gw.close()
      await redis.stop()
    }
  }, 60_000)

  it('a gateway started before its Redis is not ready until the store has answered (reject), and ready under allow', async () => {
    const redis = await startRedis()
    await redis.pause()
    const strict = buildTestApp(config({ store: { redis_url: redis.url }, quota: { on_store_error: 'reject' } }))
    const lenient = buildTestApp(config({ store: { redis_url: redis.url }, quota: { on_store_error: 'allow' } }))
    try {
      // No request has failed yet: readiness must not claim a store the gateway never reached.
      const notReady = await strict.handle('/ready')
      expect(notReady.status).toBe(503)
      expect(((await notReady.json()) as { reason: string }).reason).toContain('quota store')
      expect((await lenient.handle('/ready')).status).toBe(200)
      await redis.resume()
      expect(await waitFor(async () => (await strict.handle('/ready')).status === 200, 5_000, 100)).toBe(true)
      expect((await strict.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(200)
    } finally {
      await strict.close()
      await lenient.close()
      await redis.stop()
    }
  }, 60_000)

  it('with on_store_error allow: requests pass uncounted while Redis is down', async () => {
    const redis = await startRedis()
    const gw = buildTestApp(config({ store: { redis_url: redis.url }, quota: { on_store_error: 'allow' } }))
    try {
      await redis.pause()
      for (let i = 0; i < 5; i++) expect((await gw.handle('/v1/messages', json(msg(), { 'x-api-key': 'sk-free' }))).status).toBe(200)
      expect((await gw.handle('/ready')).status).toBe(200)
    } finally {
      await gw.close()
      await redis.stop()
    }
  }, 60_000)
})

describe('restart (fake upstream)', () => {
  it("the compiled binary keeps today's counts in the embedded store across a restart", async () => {
    const { dir, run } = await binaryWithConfig('sk-r', 'rita', 2)
    const env = { GATEWAY_DATA_DIR: join(dir, 'data') }
    const first = await run(env)
    expect((await fetch(`${first.url}/v1/messages`, json(msg(), { 'x-api-key': 'sk-r' }))).status).toBe(200)
    expect(await first.stop()).toBe(0)
    const second = await run(env)
    try {
      const q = (await (await fetch(`${second.url}/quota`, { headers: { 'x-api-key': 'sk-r' } })).json()) as { used: number }
      expect(q.used).toBe(1)
      expect((await fetch(`${second.url}/v1/messages`, json(msg(), { 'x-api-key': 'sk-r' }))).status).toBe(200)
      expect((await fetch(`${second.url}/v1/messages`, json(msg(), { 'x-api-key': 'sk-r' }))).status).toBe(429)
    } finally {
      await second.stop()
    }
  }, 60_000)

  it('keeps every count written before a SIGKILL of the binary, and one process owns a data directory', async () => {
    const { dir, bin, run } = await binaryWithConfig('sk-k', 'kim', 1000, 'store: { lock_timeout_s: 1 }\n')
    const env = { GATEWAY_DATA_DIR: join(dir, 'data') }
    const first = await run(env)
    try {
      // 60 requests in waves of 20 at once, then a SIGKILL: no graceful flush, only the periodic writes.
      let answered = 0
      for (let wave = 0; wave < 3; wave++) {
        const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${first.url}/v1/messages`, json(msg(), { 'x-api-key': 'sk-k' })).then((r) => r.status)))
        answered += statuses.filter((s) => s === 200).length
      }
      expect(answered).toBe(60)
      // A second gateway on the same data directory waits for the first (lock_timeout_s: 1, which
      // is also long past the write interval), then refuses to start.
      const port = await freePort()
      const rival = await runBounded([bin, '--config', 'gw.yaml'], { cwd: dir, env: { ...(process.env as Record<string, string>), ...env, PORT: String(port) }, timeoutMs: 20_000 })
      // It gave up on its own (not killed by the bound) with a failure status.
      expect(rival.killed).toBe(false)
      expect(rival.code).not.toBe(0)
      expect(rival.stdout + rival.stderr).toContain('is in use by another gateway process')
    } finally {
      await first.stop('SIGKILL')
    }

    const second = await run(env)
    try {
      const q = (await (await fetch(`${second.url}/quota`, { headers: { 'x-api-key': 'sk-k' } })).json()) as { used: number }
      expect(q.used).toBe(60)
    } finally {
      await second.stop()
    }
  }, 90_000)
})
