// The Redis usage ledger, audit log, session store and key paging against a real redis-server
// (and the ledger on a real three-master Redis Cluster): writers adding at once stay exact, each
// view sums what it should, keys expire with the retention, and a user's keys page without a scan.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Cluster, Redis } from 'ioredis'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createRedisKeyStore } from '../src/stores/redis/redis-key-store'
import { createRedisSessionStore } from '../src/stores/redis/redis-session-store'
import { createRedisUsageStore } from '../src/stores/redis/redis-usage-store'
import { emptyCounts, type LedgerRow } from '../src/usage/ledger-row'
import { startRedisCluster } from './helpers/redis-cluster'
import { type RunningRedis, startRedis } from './helpers/redis-server'

let redis: RunningRedis
const clients: (Redis | Cluster)[] = []
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis.stop()
})
function client(): Redis | Cluster {
  const c = connectRedis(redis.url)
  clients.push(c)
  return c
}

const today = new Date().toISOString().slice(0, 10)
const row = (over: Partial<LedgerRow>): LedgerRow => ({ day: today, user: 'ann', tier: 'pro', requested_model: 'claude-x', model: 'qwen', backend: 'internal', ...emptyCounts(), requests: 1, input_tokens: 10, ...over })

describe('the Redis usage store (real redis-server)', () => {
  it('stays exact when three writers add the same rows at once, in every view', async () => {
    const stores = [0, 1, 2].map(() => createRedisUsageStore(client(), { prefix: 'exact', retentionDays: 90 }))
    await Promise.all(stores.flatMap((s) => Array.from({ length: 20 }, (_, i) => s.add([row({ user: i % 2 ? 'ann' : 'b|ob:{x}' }), row({ model: 'haiku', backend: 'claude', errors: 1 })]))))
    const [s] = stores
    const full = await s!.read('full', { from: today, to: today, user: 'ann' })
    expect(full.find((r) => r.model === 'qwen')).toMatchObject({ requests: 30, input_tokens: 300 })
    expect(full.find((r) => r.model === 'haiku')).toMatchObject({ requests: 60, errors: 60 })
    const users = await s!.read('users', { from: today, to: today })
    expect(users.map((r) => [r.user, r.requests]).sort()).toEqual([['ann', 90], ['b|ob:{x}', 30]])
    const models = await s!.read('models', { from: today, to: today })
    expect(models.map((r) => [r.model, r.requests]).sort()).toEqual([['haiku', 60], ['qwen', 60]])
    // Every user's full rows, through the users of the day.
    const everyone = await s!.read('full', { from: today, to: today })
    expect(everyone.reduce((n, r) => n + r.requests, 0)).toBe(120)
  })

  it('lets each key expire the retention after its day, and keeps an audit log newest first', async () => {
    const c = client()
    const store = createRedisUsageStore(c, { prefix: 'ttl', retentionDays: 3 })
    await store.add([row({})])
    const ttl = await (c as Redis).ttl(`ttl:{m:${today}}`)
    expect(ttl).toBeGreaterThan(3 * 86_400 - 60)
    expect(ttl).toBeLessThanOrEqual(4 * 86_400)
    await store.append({ at: '2026-12-01T00:00:00.000Z', actor: 'admin-key', action: 'quota.reset', target: 'ann' })
    await store.append({ at: '2026-12-01T00:00:01.000Z', actor: 'ann', action: 'key.revoke', target: 'key_1' })
    expect((await store.list({ limit: 5 })).map((e) => e.action)).toEqual(['key.revoke', 'quota.reset'])
  })

  it('pages keys, all of them or one user\'s, indexing keys made before the per-user index once', async () => {
    const c = client()
    const keys = createRedisKeyStore({ client: c, prefix: 'pg:{keys}' })
    for (let i = 0; i < 15; i++) await keys.create({ user: i % 3 ? 'ann' : 'bob', tier: 'pro' })
    // As a store written before per-user sets existed: drop them and the marker.
    await (c as Redis).del('pg:{keys}:user:ann', 'pg:{keys}:user:bob', 'pg:{keys}:user-index')
    const fresh = createRedisKeyStore({ client: c, prefix: 'pg:{keys}' })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await fresh.page({ user: 'ann', limit: 4, cursor })
      for (const k of page.data) {
        expect(k.user).toBe('ann')
        seen.push(k.id)
      }
      cursor = page.nextCursor
    } while (cursor)
    expect(new Set(seen).size).toBe(10)
    const all = await fresh.page({ limit: 100 })
    expect(all.data).toHaveLength(15)
    expect(all.nextCursor).toBeNull()
    expect(await fresh.get(all.data[0]!.id)).toMatchObject({ id: all.data[0]!.id })
  })

  it('keeps console sessions until they expire', async () => {
    const sessions = createRedisSessionStore(client(), { prefix: 'sess' })
    await sessions.put('h1', { method: 'key', credentialHash: 'c', identity: { user: 'ann', tier: 'pro', source: 'gateway-key' }, csrfToken: 't', expiresAt: Date.now() + 300 })
    expect((await sessions.get('h1'))?.identity?.user).toBe('ann')
    await Bun.sleep(400)
    expect(await sessions.get('h1')).toBeNull()
  })
})

describe('top users of a day (real redis-server)', () => {
  it('ranks the users of a day by requests without reading them all, and counts them', async () => {
    const store = createRedisUsageStore(client(), { prefix: 'top', retentionDays: 90 })
    await store.add(Array.from({ length: 50 }, (_, i) => row({ user: `user-${i}`, requests: i + 1 })))
    await store.add([row({ user: 'user-3', requests: 100 })])
    const top = await store.topUsers(today, 3)
    expect(top.count).toBe(50)
    expect(top.rows.map((r) => [r.user, r.requests])).toEqual([['user-3', 104], ['user-49', 50], ['user-48', 49]])
    expect(top.rows[0]).toMatchObject({ tier: 'pro', input_tokens: 20 })
  })
})

describe('the usage store on a real three-master Redis Cluster', () => {
  it('applies batches across slots exactly once each, and reads every view back', async () => {
    const cluster = await startRedisCluster()
    const clients = [connectRedis(cluster.url), connectRedis(cluster.url)]
    try {
      const stores = clients.map((c) => createRedisUsageStore(c, { prefix: 'cl', retentionDays: 90 }))
      const users = Array.from({ length: 30 }, (_, i) => `user-${i}`)
      await Promise.all(stores.flatMap((s, k) => [0, 1, 2].map((b) => s.add(users.map((u) => row({ user: u })), `batch-${k}-${b}`))))
      // The same batch again, as after a timeout: counted once.
      await stores[0]!.add(users.map((u) => row({ user: u })), 'batch-0-0')
      expect((await stores[1]!.read('users', { from: today, to: today })).every((r) => r.requests === 6)).toBe(true)
      expect((await stores[1]!.read('models', { from: today, to: today }))[0]).toMatchObject({ requests: 180, input_tokens: 1800 })
      expect((await stores[0]!.read('full', { from: today, to: today, user: 'user-7' }))[0]).toMatchObject({ requests: 6 })
      expect((await stores[0]!.read('full', { from: today, to: today })).reduce((n, r) => n + r.requests, 0)).toBe(180)
      const top = await stores[0]!.topUsers(today, 5)
      expect([top.count, top.rows.length, top.rows[0]!.requests]).toEqual([30, 5, 6])
    } finally {
      for (const c of clients) c.disconnect()
      await cluster.stop()
    }
  }, 90_000)
})
