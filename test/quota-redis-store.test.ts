// The Redis quota store against a real redis-server: exact admission across clients and
// processes (standing in for gateway replicas), expiry, give-back and token accounting.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Redis } from 'ioredis'
import { connectRedis } from '../src/stores/redis/connect-redis'
import type { QuotaStore } from '../src/quota/quota-store'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { runQuotaAdmitWorkers } from './helpers/quota-admit-worker'
import { type RunningRedis, startRedis } from './helpers/redis-server'

const DAY = '2026-11-27'
const TEN = { requests: 10, tokens: null }

let redis: RunningRedis
let raw: Redis
let replicas: QuotaStore[]

beforeAll(async () => {
  redis = await startRedis()
  raw = connectRedis(redis.url) as Redis
  replicas = [0, 1, 2].map(() => createRedisQuotaStore(connectRedis(redis.url)))
})

afterAll(async () => {
  await Promise.all(replicas.map((store) => store.close()))
  raw.disconnect()
  await redis.stop()
})

describe('createRedisQuotaStore on one Redis server', () => {
  it('admits exactly 10 of 50 simultaneous requests spread over three clients', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 3]!.admit('alice', DAY, TEN, 3600)),
    )
    expect(results.filter((r) => r.allowed)).toHaveLength(10)
    expect(results.filter((r) => r.allowed).map((r) => r.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(results.filter((r) => !r.allowed).every((r) => r.deniedBy === 'requests')).toBe(true)
    expect((await replicas[0]!.counts('alice', DAY)).requests).toBe(10)
  })

  it('admits exactly 10 of 50 simultaneous requests from three separate processes', async () => {
    const startAt = Date.now() + 1500
    const tasks = [17, 17, 16].map((count) => ({
      store: 'redis' as const,
      target: redis.url,
      user: 'multi-process',
      day: DAY,
      count,
      limit: 10,
      startAt,
    }))
    const results = await runQuotaAdmitWorkers(tasks)
    expect(results.reduce((sum, r) => sum + r.allowed, 0)).toBe(10)
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(40)
  })

  it('keeps one user per hash tag and sets the expiry on every key', async () => {
    const store = replicas[0]!
    await store.admit('carol', DAY, TEN, 5000)
    await store.addTokens('carol', DAY, 10, 2, 5000)
    const requestTtl = await raw.ttl(`llmgw:quota:{carol}:${DAY}:req`)
    const tokenTtl = await raw.ttl(`llmgw:quota:{carol}:${DAY}:tok`)
    expect(requestTtl).toBeGreaterThan(4990)
    expect(requestTtl).toBeLessThanOrEqual(5000)
    expect(tokenTtl).toBeGreaterThan(4990)
    expect(tokenTtl).toBeLessThanOrEqual(5000)
  })

  it('escapes braces in user ids so that they cannot break the hash tag', async () => {
    await replicas[0]!.admit('we}ird{:user', DAY, TEN, 60)
    expect(await raw.exists(`llmgw:quota:{we%7Dird%7B%3Auser}:${DAY}:req`)).toBe(1)
  })

  it('gives requests back but never below 0', async () => {
    const store = replicas[1]!
    await store.admit('dave', DAY, TEN, 60)
    await store.release('dave', DAY)
    await store.release('dave', DAY)
    await store.release('nobody', DAY)
    expect((await store.counts('dave', DAY)).requests).toBe(0)
    expect(await raw.exists(`llmgw:quota:{nobody}:${DAY}:req`)).toBe(0)
    expect((await store.admit('dave', DAY, TEN, 60)).used).toBe(1)
  })

  it('adds up tokens and refuses requests once the token limit is used up', async () => {
    const store = replicas[2]!
    const limits = { requests: 100, tokens: 1000 }
    expect((await store.admit('erin', DAY, limits, 60)).allowed).toBe(true)
    await store.addTokens('erin', DAY, 700, 100, 60)
    await store.addTokens('erin', DAY, 150, 60, 60)
    expect(await store.counts('erin', DAY)).toEqual({ requests: 1, inputTokens: 850, outputTokens: 160 })
    expect(await store.admit('erin', DAY, limits, 60)).toEqual({ allowed: false, used: 1, tokensUsed: 1010, deniedBy: 'tokens' })
  })

  it('never refuses an unlimited user and refuses everything at a limit of 0', async () => {
    const store = replicas[0]!
    const results = await Promise.all(Array.from({ length: 30 }, () => store.admit('ent', DAY, { requests: null, tokens: null }, 60)))
    expect(results.every((r) => r.allowed)).toBe(true)
    expect((await store.admit('zero', DAY, { requests: 0, tokens: null }, 60)).allowed).toBe(false)
  })
})

describe('grants and resets on Redis (real redis-server)', () => {
  it("raises the day's request limit by a grant, every replica seeing it, and resets the count", async () => {
    const redis = await startRedis()
    const a = createRedisQuotaStore(connectRedis(redis.url), { prefix: 'grant' })
    const b = createRedisQuotaStore(connectRedis(redis.url), { prefix: 'grant' })
    try {
      const ten = { requests: 10, tokens: null }
      for (let i = 0; i < 10; i++) await a.admit('ann', DAY, ten, 60)
      expect((await b.admit('ann', DAY, ten, 60)).allowed).toBe(false)
      await a.grant!('ann', DAY, 2, 60)
      expect(await b.admit('ann', DAY, ten, 60)).toMatchObject({ allowed: true, used: 11, granted: 2 })
      expect(await a.admit('ann', DAY, ten, 60)).toMatchObject({ allowed: true, used: 12 })
      expect((await b.admit('ann', DAY, ten, 60)).allowed).toBe(false)
      expect(await a.counts('ann', DAY)).toEqual({ requests: 12, inputTokens: 0, outputTokens: 0, granted: 2 })
      await b.reset!('ann', DAY)
      expect((await a.admit('ann', DAY, ten, 60)).used).toBe(1)
    } finally {
      await a.close()
      await b.close()
      await redis.stop()
    }
  })
})
