// The Redis quota store on a real three-master Redis Cluster started for this file.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Cluster } from 'ioredis'
import { GatewayError } from '../src/errors/gateway-error'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createQuotaService } from '../src/quota/quota-service'
import type { QuotaStore } from '../src/quota/quota-store'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { runQuotaAdmitWorkers } from './helpers/quota-admit-worker'
import { type RunningRedisCluster, startRedisCluster } from './helpers/redis-cluster'

const DAY = '2026-11-27'
const TEN = { requests: 10, tokens: null }

let cluster: RunningRedisCluster
let raw: Cluster
let replicas: QuotaStore[]

beforeAll(async () => {
  cluster = await startRedisCluster()
  raw = connectRedis(cluster.url) as Cluster
  replicas = [0, 1, 2].map(() => createRedisQuotaStore(connectRedis(cluster.url)))
}, 30_000)

afterAll(async () => {
  await Promise.all(replicas.map((store) => store.close()))
  raw?.disconnect()
  await cluster?.stop()
})

describe('createRedisQuotaStore on a three-master Redis Cluster', () => {
  it('admits exactly 10 of 50 simultaneous requests spread over three clients', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => replicas[i % 3]!.admit('alice', DAY, TEN, 3600)),
    )
    expect(results.filter((r) => r.allowed)).toHaveLength(10)
    expect((await replicas[1]!.counts('alice', DAY)).requests).toBe(10)
  })

  it('stays exact for many users at once, whose keys land on every master', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`)
    const results = await Promise.all(
      users.flatMap((user) => Array.from({ length: 25 }, (_, i) => replicas[i % 3]!.admit(user, DAY, TEN, 3600).then((r) => ({ user, r })))),
    )
    for (const user of users) {
      expect(results.filter((x) => x.user === user && x.r.allowed)).toHaveLength(10)
    }
    const masters = new Set<string>()
    for (const user of users) {
      const slot = Number(await raw.cluster('KEYSLOT', `llmgw:quota:{${user}}:${DAY}:req`))
      const owner = raw.slots[slot]?.[0]
      if (owner) masters.add(owner)
    }
    expect(masters.size).toBe(3)
  })

  it('admits exactly 10 of 50 simultaneous requests from three separate processes', async () => {
    const startAt = Date.now() + 2000
    const results = await runQuotaAdmitWorkers(
      [17, 17, 16].map((count) => ({ store: 'redis' as const, target: cluster.url, user: 'multi-process', day: DAY, count, limit: 10, startAt })),
    )
    expect(results.reduce((sum, r) => sum + r.allowed, 0)).toBe(10)
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(40)
  })

  it('puts all of a user\'s keys in one slot and sets their expiry', async () => {
    const store = replicas[0]!
    await store.admit('bob', DAY, TEN, 5000)
    await store.addTokens('bob', DAY, 3, 4, 5000)
    const requestKey = `llmgw:quota:{bob}:${DAY}:req`
    const tokenKey = `llmgw:quota:{bob}:${DAY}:tok`
    expect(await raw.cluster('KEYSLOT', requestKey)).toBe(await raw.cluster('KEYSLOT', tokenKey))
    expect(await raw.ttl(requestKey)).toBeGreaterThan(4990)
    expect(await raw.ttl(tokenKey)).toBeGreaterThan(4990)
    expect(await store.counts('bob', DAY)).toEqual({ requests: 1, inputTokens: 3, outputTokens: 4 })
  })

  it('gives requests back but never below 0', async () => {
    const store = replicas[2]!
    await store.admit('carol', DAY, TEN, 60)
    await store.release('carol', DAY)
    await store.release('carol', DAY)
    expect((await store.counts('carol', DAY)).requests).toBe(0)
  })

  // Last in the file: the restarted master comes back empty (no persistence in this cluster).
  it('answers 503 for users on a stopped master, serves the others, and recovers when it returns', async () => {
    const store = createRedisQuotaStore(connectRedis(cluster.url))
    const service = createQuotaService({ store, timeZone: 'UTC', onStoreError: 'reject', probeIntervalMs: 100 })
    try {
      const masterOf = async (user: string) =>
        raw.slots[Number(await raw.cluster('KEYSLOT', `llmgw:quota:{${user}}:x`))]?.[0] ?? ''
      const down = await masterOf('outage-0')
      let spared = ''
      for (let i = 1; i < 100 && spared === ''; i++) if ((await masterOf(`outage-${i}`)) !== down) spared = `outage-${i}`
      await service.admit('outage-0', { dailyRequests: 10 })
      await service.admit(spared, { dailyRequests: 10 })

      await cluster.pauseNode(cluster.nodes.indexOf(down))
      const start = performance.now()
      const error = await service.admit('outage-0', { dailyRequests: 10 }).catch((e: unknown) => e)
      expect(performance.now() - start).toBeLessThan(2000)
      expect(error).toBeInstanceOf(GatewayError)
      expect(error).toMatchObject({ status: 503 })
      expect(await service.admit(spared, { dailyRequests: 10 })).toMatchObject({ allowed: true, used: 2 })
      expect(service.healthy()).toBe(false)

      await cluster.resumeNode(cluster.nodes.indexOf(down))
      const deadline = Date.now() + 10_000
      while (!service.healthy() && Date.now() < deadline) await Bun.sleep(50)
      expect(service.healthy()).toBe(true)
      expect((await service.admit('outage-0', { dailyRequests: 10 })).allowed).toBe(true)
    } finally {
      service.close()
      await store.close()
    }
  }, 30_000)
})
