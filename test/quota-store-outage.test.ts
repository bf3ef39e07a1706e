// What the quota service does while a real Redis is down (process killed, or hung), and that
// it recovers by itself when Redis is back. Redis runs with an append-only file here so that
// the counts survive its restart, as they would in a deployment with persistence.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GatewayError } from '../src/errors/gateway-error'
import { connectRedis, type ConnectRedisOptions } from '../src/stores/redis/connect-redis'
import { createQuotaService, type QuotaService } from '../src/quota/quota-service'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { type RunningRedis, startRedis } from './helpers/redis-server'

const FREE = { dailyRequests: 10 }

let dir: string
let redis: RunningRedis
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmgw-redis-aof-'))
  redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir])
})

afterEach(async () => {
  redis.thaw()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

afterAll(async () => {
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
})

function quotaService(onStoreError: 'reject' | 'allow', clientOptions: ConnectRedisOptions = {}): QuotaService {
  const store = createRedisQuotaStore(connectRedis(redis.url, clientOptions))
  const service = createQuotaService({ store, timeZone: 'UTC', onStoreError, probeIntervalMs: 100 })
  cleanups.push(() => store.close())
  cleanups.push(() => service.close())
  return service
}

async function waitUntilHealthy(service: QuotaService, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!service.healthy() && Date.now() < deadline) await Bun.sleep(50)
}

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value: T | undefined; error: unknown }> {
  const start = performance.now()
  try {
    const value = await promise
    return { ms: performance.now() - start, value, error: undefined }
  } catch (error) {
    return { ms: performance.now() - start, value: undefined, error }
  }
}

describe('quota service while Redis is down', () => {
  it('answers 503 at once and reports unhealthy under reject, then resumes counting when Redis is back', async () => {
    const service = quotaService('reject')
    for (let i = 0; i < 3; i++) await service.admit('alice', FREE)
    expect(service.healthy()).toBe(true)

    await redis.pause()
    const during = await timed(service.admit('alice', FREE))
    expect(during.error).toBeInstanceOf(GatewayError)
    expect(during.error).toMatchObject({ status: 503, type: 'api_error' })
    expect((during.error as Error).message).not.toContain(String(redis.port))
    expect(during.ms).toBeLessThan(1000)
    expect(service.healthy()).toBe(false)
    expect(await service.checkHealth()).toBe(false)

    await redis.resume()
    await waitUntilHealthy(service)
    expect(service.healthy()).toBe(true)
    expect(await service.admit('alice', FREE)).toMatchObject({ allowed: true, used: 4, remaining: 6 })
  })

  it('lets requests through uncounted under allow, and counts again when Redis is back', async () => {
    const service = quotaService('allow')
    const before = await service.admit('bob', FREE)
    expect(before.used).toBe(1)

    await redis.pause()
    const during = await timed(service.admit('bob', FREE))
    expect(during.ms).toBeLessThan(1000)
    expect(during.value).toMatchObject({ allowed: true, degraded: true })
    expect(service.healthy()).toBe(true)

    await redis.resume()
    let after = await service.admit('bob', FREE).catch(() => undefined)
    for (let i = 0; i < 100 && (after === undefined || after.degraded); i++) {
      await Bun.sleep(50)
      after = await service.admit('bob', FREE)
    }
    expect(after).toMatchObject({ allowed: true, degraded: false })
    expect((await service.status('bob', FREE)).used).toBe(2)
  })

  it('fails within the command timeout when Redis hangs, and recovers when it answers again', async () => {
    const service = quotaService('reject', { commandTimeoutMs: 300 })
    await service.admit('carol', FREE)

    redis.freeze()
    const during = await timed(service.admit('carol', FREE))
    expect(during.error).toMatchObject({ status: 503 })
    expect(during.ms).toBeLessThan(2000)
    expect(service.healthy()).toBe(false)

    redis.thaw()
    await waitUntilHealthy(service)
    expect(service.healthy()).toBe(true)
    // The timed-out admission may have been executed by Redis after all: 2 or 3 is correct.
    expect((await service.admit('carol', FREE)).used).toBeGreaterThanOrEqual(2)
  })
})
