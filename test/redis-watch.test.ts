// A Redis client that stops reconnecting is connected again by the gateway's watch, against a real
// redis-server: without it, a client that ioredis left ended would keep the store unavailable
// until the gateway restarts, with Redis itself healthy.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Redis } from 'ioredis'
import { connectRedis, watchRedis } from '../src/stores/redis/connect-redis'
import { type RunningRedis, startRedis } from './helpers/redis-server'

let redis: RunningRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
})

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms
  while (performance.now() < end) {
    if (check()) return true
    await Bun.sleep(20)
  }
  return check()
}

describe('watchRedis (real redis-server)', () => {
  it('connects a client that has ended again, and answers commands once more', async () => {
    const client = connectRedis(redis.url) as Redis
    const lines: string[] = []
    const stop = watchRedis(client, { intervalMs: 50, notReadyMs: 10_000, log: (message) => lines.push(message) })
    try {
      expect(await until(() => client.status === 'ready', 5_000)).toBe(true)
      // What a client that gave up looks like: ended, no reconnection of its own.
      let ended = false
      client.once('end', () => (ended = true))
      client.disconnect(false)
      expect(await until(() => ended, 5_000)).toBe(true)
      expect(await until(() => client.status === 'ready', 5_000)).toBe(true)
      expect(await client.ping()).toBe('PONG')
      expect(lines.some((l) => l.includes('stopped reconnecting'))).toBe(true)
    } finally {
      stop()
      client.disconnect()
    }
  })

  it('leaves a client its owner closed alone once the watch is stopped', async () => {
    const client = connectRedis(redis.url) as Redis
    const stop = watchRedis(client, { intervalMs: 50 })
    expect(await until(() => client.status === 'ready', 5_000)).toBe(true)
    stop()
    client.disconnect()
    await Bun.sleep(300)
    expect(client.status).toBe('end')
  })
})
