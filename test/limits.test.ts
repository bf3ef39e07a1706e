// Per-user limits beside the daily quota (tiers.<tier>.concurrent_requests, requests_per_minute,
// tokens_per_minute): a 429 with retry-after in the client's format, count_tokens covered, exact
// on the embedded store of one process and across replicas on a real redis-server and a real Redis
// Cluster. Upstreams are
// fakes speaking the real wire formats.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { type RunningRedisCluster, startRedisCluster } from './helpers/redis-cluster'
import { type RunningRedis, startRedis } from './helpers/redis-server'

let up: FakeUpstream
beforeAll(() => {
  up = startFakeUpstream()
})
afterAll(async () => {
  await up.stop()
})

function config(tier: Record<string, unknown>, store: Record<string, unknown> = {}) {
  return testConfig({
    store,
    backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
    models: { 'claude-*': { backend: 'claude' }, 'qwen3-32b': { backend: 'internal' } },
    tiers: { free: { daily_requests: 100, models: ['*'], ...tier } },
    auth: { keys: [{ key: 'sk-limited', user: 'lim', tier: 'free' }] },
  })
}

const auth = { 'x-api-key': 'sk-limited' }
const msg = (extra: Record<string, unknown> = {}) => ({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...extra })
const chat = { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }

describe('per-user limits on the embedded store (fake upstream)', () => {
  it('refuses a request beyond concurrent_requests while a stream is open, in Anthropic shape, and admits again once it ended', async () => {
    const gw = buildTestApp(config({ concurrent_requests: 1 }))
    try {
      up.script.push({ kind: 'slow-stream', delayMs: 40 })
      const stream = await gw.handle('/v1/messages', json(msg({ stream: true }), auth))
      expect(stream.status).toBe(200)
      const refused = await gw.handle('/v1/messages', json(msg(), auth))
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', details: { error_code: 'concurrent_requests_exceeded' } } })
      await stream.text()
      expect((await gw.handle('/v1/messages', json(msg(), auth))).status).toBe(200)
      // The refused request was not counted against the daily quota.
      expect(((await (await gw.handle('/quota', { headers: auth })).json()) as { used: number }).used).toBe(2)
    } finally {
      await gw.close()
    }
  })

  it('frees the slot of a stream the client cancels', async () => {
    const gw = buildTestApp(config({ concurrent_requests: 1 }))
    try {
      up.script.push({ kind: 'slow-stream', delayMs: 200 })
      const stream = await gw.handle('/v1/messages', json(msg({ stream: true }), auth))
      const reader = stream.body!.getReader()
      await reader.read()
      await reader.cancel()
      let status = 0
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await gw.handle('/v1/messages', json(msg(), auth))).status
        if (status !== 200) await Bun.sleep(25)
      }
      expect(status).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it('refuses the request beyond requests_per_minute in OpenAI shape with the seconds until one passes', async () => {
    const gw = buildTestApp(config({ requests_per_minute: 3 }))
    try {
      for (let i = 0; i < 3; i++) expect((await gw.handle('/v1/chat/completions', json(chat, auth))).status).toBe(200)
      const refused = await gw.handle('/v1/chat/completions', json(chat, auth))
      expect(refused.status).toBe(429)
      const wait = Number(refused.headers.get('retry-after'))
      expect(wait).toBeGreaterThanOrEqual(1)
      expect(wait).toBeLessThanOrEqual(60)
      expect(await refused.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'requests_per_minute_exceeded' } })
    } finally {
      await gw.close()
    }
  })

  it('holds count_tokens to the per-minute limit too', async () => {
    const gw = buildTestApp(config({ requests_per_minute: 2 }))
    try {
      const count = () => gw.handle('/v1/messages/count_tokens', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, auth))
      expect((await count()).status).toBe(200)
      expect((await count()).status).toBe(200)
      const refused = await count()
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).not.toBeNull()
    } finally {
      await gw.close()
    }
  })

  it('refuses once the tokens of the last minute reach tokens_per_minute', async () => {
    const gw = buildTestApp(config({ tokens_per_minute: 10 }))
    try {
      // The fake's answer uses 12 + 5 tokens.
      expect((await gw.handle('/v1/messages', json(msg(), auth))).status).toBe(200)
      const refused = await gw.handle('/v1/messages', json(msg(), auth))
      expect(refused.status).toBe(429)
      expect(await refused.json()).toMatchObject({ error: { details: { error_code: 'tokens_per_minute_exceeded' } } })
    } finally {
      await gw.close()
    }
  })
  it('refuses every request of a tier whose tokens_per_minute is 0, as Redis does, from the first one', async () => {
    const gw = buildTestApp(config({ tokens_per_minute: 0 }))
    try {
      const refused = await gw.handle('/v1/chat/completions', json(chat, auth))
      expect(refused.status).toBe(429)
      expect(await refused.json()).toMatchObject({ error: { code: 'tokens_per_minute_exceeded' } })
    } finally {
      await gw.close()
    }
  })
})

describe('per-user limits across three replicas on one real redis-server (fake upstream)', () => {
  let redis: RunningRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis.stop()
  })

  async function replicas(tier: Record<string, unknown>) {
    const gws = [0, 1, 2].map(() => buildTestApp(config(tier, { redis_url: redis.url })))
    await Promise.all(gws.map((g) => g.ready()))
    return gws
  }

  it('refuses every request of a tier whose tokens_per_minute is 0, from the first one', async () => {
    const gws = await replicas({ tokens_per_minute: 0 })
    try {
      const refused = await gws[0]!.handle('/v1/chat/completions', json(chat, auth))
      expect(refused.status).toBe(429)
      expect(await refused.json()).toMatchObject({ error: { code: 'tokens_per_minute_exceeded' } })
    } finally {
      await Promise.all(gws.map((g) => g.close()))
    }
  })

  it('admits exactly requests_per_minute of a burst spread over the replicas', async () => {
    const gws = await replicas({ requests_per_minute: 10 })
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => gws[i % 3]!.handle('/v1/chat/completions', json(chat, auth)).then((r) => r.status)))
      expect(statuses.filter((s) => s === 200)).toHaveLength(10)
      expect(statuses.filter((s) => s === 429)).toHaveLength(20)
    } finally {
      await Promise.all(gws.map((g) => g.close()))
    }
  })

  it('holds concurrent_requests across the replicas, and frees the slots as streams end', async () => {
    const gws = await replicas({ concurrent_requests: 2, requests_per_minute: null })
    try {
      up.script.push({ kind: 'slow-stream', delayMs: 40 }, { kind: 'slow-stream', delayMs: 40 })
      const open = [await gws[0]!.handle('/v1/messages', json(msg({ stream: true, model: 'claude-y' }), auth)), await gws[1]!.handle('/v1/messages', json(msg({ stream: true, model: 'claude-y' }), auth))]
      expect(open.map((r) => r.status)).toEqual([200, 200])
      expect((await gws[2]!.handle('/v1/messages', json(msg(), auth))).status).toBe(429)
      await Promise.all(open.map((r) => r.text()))
      let status = 0
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await gws[2]!.handle('/v1/messages', json(msg(), auth))).status
        if (status !== 200) await Bun.sleep(25)
      }
      expect(status).toBe(200)
    } finally {
      await Promise.all(gws.map((g) => g.close()))
    }
  })
})

describe('per-user limits across three replicas on a real three-master Redis Cluster (fake upstream)', () => {
  let cluster: RunningRedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
  }, 30_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  it("admits exactly requests_per_minute of a burst, for users whose keys land on every master", async () => {
    const users = ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay']
    const cfg = () =>
      testConfig({
        store: { redis_url: cluster.url },
        backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { free: { daily_requests: 100, requests_per_minute: 4, concurrent_requests: 50, models: ['*'] } },
        auth: { keys: users.map((u) => ({ key: `sk-${u}`, user: u, tier: 'free' })) },
      })
    const gws = [0, 1, 2].map(() => buildTestApp(cfg()))
    try {
      await Promise.all(gws.map((g) => g.ready()))
      const results = await Promise.all(
        users.flatMap((u) => Array.from({ length: 9 }, (_, i) => gws[i % 3]!.handle('/v1/chat/completions', json(chat, { 'x-api-key': `sk-${u}` })).then((r) => [u, r.status] as const))),
      )
      for (const u of users) expect(results.filter(([user, status]) => user === u && status === 200)).toHaveLength(4)
    } finally {
      await Promise.all(gws.map((g) => g.close()))
    }
  })
})
