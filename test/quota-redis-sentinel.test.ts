// The quota on Redis managed by Sentinel, with real redis-server and redis-sentinel processes on
// 127.0.0.1 (a master, two replicas, three Sentinels, passwords on both kinds of node): the
// gateway finds the master through the Sentinels, a free user's burst across a failover (the master
// SIGKILLed mid-burst) admits at most 10 in total and loses no admitted count when admissions are
// confirmed on a replica (store.redis_wait_replicas), and an admission no replica confirms is
// refused and given back under `reject`, let through uncounted under `allow`. The LLM upstream is
// the fake one (test/helpers/fake-upstream.ts), speaking the OpenAI wire format.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { GatewayError } from '../src/errors/gateway-error'
import { createQuotaService } from '../src/quota/quota-service'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { redisCli } from './helpers/redis-server'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { type RunningSentinel, startRedisSentinel } from './helpers/redis-sentinel'
import { waitFor } from './helpers/wait-for'

let sentinel: RunningSentinel
let up: FakeUpstream

beforeAll(async () => {
  up = startFakeUpstream()
  sentinel = await startRedisSentinel({ replicas: 2 })
}, 60_000)

afterAll(async () => {
  await up?.stop()
  await sentinel?.stop()
})

const today = () => new Date().toISOString().slice(0, 10)
const requestKey = (user: string) => `llmgw:quota:{${user}}:${today()}:req`

function gatewayConfig(user: string, store: Record<string, unknown>, onStoreError: 'reject' | 'allow' = 'reject') {
  return testConfig({
    backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
    models: { 'qwen3-32b': { backend: 'internal' } },
    tiers: { free: { daily_requests: 10, models: ['qwen3-32b'] } },
    auth: { keys: [{ key: `sk-${user}`, user, tier: 'free' }] },
    store: { redis_url: sentinel.url, ...store },
    quota: { on_store_error: onStoreError },
  })
}

const chat = { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }

describe('quota on Redis with Sentinel', () => {
  it('finds the master through the Sentinels with both passwords, and keeps a wrong Sentinel password out of its errors', async () => {
    const store = createRedisQuotaStore(connectRedis(sentinel.url))
    try {
      expect(await store.admit('sentinel-login', today(), { requests: 10, tokens: null }, 60)).toMatchObject({ allowed: true, used: 1 })
      expect((await sentinel.cli(await sentinel.masterPort(), 'get', requestKey('sentinel-login'))).trim()).toBe('1')
    } finally {
      await store.close()
    }

    const errors: string[] = []
    const wrong = sentinel.url.replace('sentinel_password=sentinel-secret', 'sentinel_password=not-the-password')
    const refused = createRedisQuotaStore(connectRedis(wrong, { onError: (e) => errors.push(e.message) }), { startupWaitMs: 1500 })
    try {
      expect(await refused.ping().then(() => 'answered', () => 'refused')).toBe('refused')
      expect(errors.length).toBeGreaterThan(0)
      expect(errors.join('\n')).not.toContain('not-the-password')
      expect(errors.join('\n')).not.toContain('data-secret')
    } finally {
      await refused.close()
    }
  }, 30_000)

  it('closes every connection it opened, the ones watching the Sentinels for a failover included', async () => {
    const subscribers = async () => {
      let count = 0
      for (const port of sentinel.sentinelPorts) {
        const clients = await redisCli(['-p', String(port), '-a', 'sentinel-secret', '--no-auth-warning', 'client', 'list'])
        count += clients.split('\n').filter((line) => /\bsub=[1-9]/.test(line)).length
      }
      return count
    }
    const before = await subscribers()
    const store = createRedisQuotaStore(connectRedis(sentinel.url))
    await store.admit('closing', today(), { requests: 10, tokens: null }, 60)
    expect(await waitFor(async () => (await subscribers()) > before, 5_000, 50)).toBe(true)
    await store.close()
    expect(await waitFor(async () => (await subscribers()) === before, 5_000, 50)).toBe(true)
  }, 30_000)

  it('refuses and gives back an admission no replica confirms (reject), lets it through uncounted (allow), and recovers', async () => {
    const master = await sentinel.masterPort()
    const replicas = sentinel.nodePorts.filter((p) => p !== master)
    const waiting = { waitReplicas: 1, waitTimeoutMs: 300 }
    const strictStore = createRedisQuotaStore(connectRedis(sentinel.url), waiting)
    const lenientStore = createRedisQuotaStore(connectRedis(sentinel.url), waiting)
    const strict = createQuotaService({ store: strictStore, timeZone: 'UTC', onStoreError: 'reject', probeIntervalMs: 100 })
    const lenient = createQuotaService({ store: lenientStore, timeZone: 'UTC', onStoreError: 'allow', probeIntervalMs: 100 })
    try {
      expect(await strict.admit('unconfirmed', { dailyRequests: 10 })).toMatchObject({ allowed: true, used: 1, degraded: false })

      for (const port of replicas) sentinel.freezeNode(port)
      const started = performance.now()
      const refused = await strict.admit('unconfirmed', { dailyRequests: 10 }).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(GatewayError)
      expect(refused).toMatchObject({ status: 503 })
      // Bounded by the WAIT timeout, not by the connection's command timeout.
      expect(performance.now() - started).toBeLessThan(1500)
      expect(strict.healthy()).toBe(false)
      // Given back: the master holds only the confirmed admission.
      expect((await sentinel.cli(master, 'get', requestKey('unconfirmed'))).trim()).toBe('1')

      expect(await lenient.admit('unconfirmed', { dailyRequests: 10 })).toMatchObject({ allowed: true, degraded: true })
      expect((await sentinel.cli(master, 'get', requestKey('unconfirmed'))).trim()).toBe('1')
    } finally {
      for (const port of replicas) sentinel.thawNode(port)
    }
    try {
      expect(await waitFor(() => strict.healthy(), 10_000, 50)).toBe(true)
      expect(await strict.admit('unconfirmed', { dailyRequests: 10 })).toMatchObject({ allowed: true, used: 2, degraded: false })
    } finally {
      strict.close()
      lenient.close()
      await strictStore.close()
      await lenientStore.close()
    }
  }, 30_000)

  // Last in the file: it fails the master over (the old one comes back as a replica).
  it("admits at most 10 of a free user's burst across a failover, and loses no admitted count (WAIT on)", async () => {
    const user = 'burst-free'
    const store = { redis_wait_replicas: 1, redis_wait_timeout_ms: 500 }
    const gateways = [0, 1, 2].map(() => buildTestApp(gatewayConfig(user, store)))
    const statuses = new Map<number, number>()
    let admitted = 0
    let admittedBeforeKill = -1
    try {
      await Promise.all(gateways.map((g) => g.ready()))
      const send = async (i: number) => {
        const response = await gateways[i % 3]!.handle('/v1/chat/completions', json(chat, { authorization: `Bearer sk-${user}` }))
        await response.arrayBuffer()
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        if (response.status === 200) admitted++
        return response.status
      }
      // The burst: three at a time, across the three gateways, until the limit holds after the failover.
      let killed: Promise<number> | null = null
      let sawLimitAfterFailover = false
      let failedOver = false
      const deadline = Date.now() + 40_000
      for (let i = 0; Date.now() < deadline && !sawLimitAfterFailover; i += 3) {
        const results = await Promise.all([send(i), send(i + 1), send(i + 2)])
        if (!killed && admitted >= 3) {
          // SIGKILL while the next admissions are in flight.
          killed = sentinel.killMaster().then((port) => {
            admittedBeforeKill = admitted
            return port
          })
        }
        if (failedOver && results.includes(429)) sawLimitAfterFailover = true
        if (killed && !failedOver) {
          const oldPort = await killed
          failedOver = (await sentinel.masterPort()) !== oldPort
        }
        await Bun.sleep(20)
      }
      expect(killed).not.toBeNull()
      const oldMaster = await killed!
      const newMaster = await sentinel.waitForFailover(oldMaster)
      expect(newMaster).not.toBe(oldMaster)
      expect(sawLimitAfterFailover).toBe(true)
      expect(admittedBeforeKill).toBeGreaterThanOrEqual(3)
      // The heart of it: counts made before the failover were kept, so the total stays within the limit...
      expect(admitted).toBeLessThanOrEqual(10)
      // ...and every admitted request is counted on the new master (confirmed counts survived).
      await sentinel.restartNode(oldMaster)
      await sentinel.waitForReplicas(2)
      const quota = await gateways[0]!.handle('/quota', { headers: { authorization: `Bearer sk-${user}` } })
      const counted = ((await quota.json()) as { used: number }).used
      expect(counted).toBeGreaterThanOrEqual(admitted)
      expect(counted).toBeLessThanOrEqual(10)
      // During the failover the gateways answered 503 (never 500), and 429 once the limit was reached.
      expect([...statuses.keys()].every((s) => s === 200 || s === 429 || s === 503)).toBe(true)
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0)

      // The old master is back as a replica, and the gateways are ready again.
      for (const g of gateways) expect(await waitFor(async () => (await g.handle('/ready')).status === 200, 10_000, 100)).toBe(true)
    } finally {
      await Promise.all(gateways.map((g) => g.close()))
    }
  }, 90_000)
})
