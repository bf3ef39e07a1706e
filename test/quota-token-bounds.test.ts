// Token counts the stores cannot take, against a real redis-server: an upstream (the fake one,
// test/helpers/fake-upstream.ts, speaking the OpenAI wire format) that reports 1e21 tokens is
// counted as the per-response bound instead of breaking HINCRBY, being retried for ever and
// flapping /ready; and a token write Redis refuses for good (a key of the wrong type) is dropped
// and said so, without marking the store down.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Redis } from 'ioredis'
import { createQuotaService } from '../src/quota/quota-service'
import { QuotaWriteRefused } from '../src/quota/quota-store'
import { MAX_TOKENS_PER_RESPONSE } from '../src/quota/token-count'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { openaiCompletion, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { type RunningRedis, startRedis } from './helpers/redis-server'

let redis: RunningRedis
let raw: Redis
let up: FakeUpstream

beforeAll(async () => {
  redis = await startRedis()
  raw = connectRedis(redis.url) as Redis
  up = startFakeUpstream()
})

afterAll(async () => {
  raw.disconnect()
  await up.stop()
  await redis.stop()
})

const today = () => new Date().toISOString().slice(0, 10)

describe('token counts the stores cannot take', () => {
  it('counts an upstream usage of 1e21 tokens as the bound, and /ready never flaps', async () => {
    const gw = buildTestApp(
      testConfig({
        backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { pro: { daily_requests: 100, daily_tokens: 10 * MAX_TOKENS_PER_RESPONSE, models: ['*'] } },
        auth: { keys: [{ key: 'sk-huge', user: 'huge-usage', tier: 'pro' }] },
        store: { redis_url: redis.url },
        quota: { on_store_error: 'reject' },
      }),
    )
    try {
      await gw.ready()
      const huge = openaiCompletion('qwen3-32b')
      huge.usage = { prompt_tokens: 1e21, completion_tokens: 3, total_tokens: 1e21 }
      up.script.push({ kind: 'status', status: 200, body: huge })
      const first = await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-huge' }))
      expect(first.status).toBe(200)
      await first.arrayBuffer()

      // Token writes of a user with a token limit land within 50 ms; watch /ready for well past that.
      const readiness: number[] = []
      for (let i = 0; i < 25; i++) {
        readiness.push((await gw.handle('/ready')).status)
        await Bun.sleep(100)
      }
      expect(readiness.filter((s) => s !== 200)).toEqual([])
      expect(await raw.hgetall(`llmgw:quota:{huge-usage}:${today()}:tok`)).toEqual({ in: String(MAX_TOKENS_PER_RESPONSE), out: '3' })
      const quota = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-huge' } })).json()) as Record<string, unknown>
      expect(quota).toMatchObject({ used: 1, input_tokens: MAX_TOKENS_PER_RESPONSE, output_tokens: 3 })
      expect((await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-huge' }))).status).toBe(200)
    } finally {
      await gw.close()
    }
  }, 30_000)

  it('drops a token write Redis refuses for good, without retrying it or marking the store down', async () => {
    const store = createRedisQuotaStore(connectRedis(redis.url))
    let writes = 0
    const counted = { ...store, addTokens: (...args: Parameters<typeof store.addTokens>) => (writes++, store.addTokens(...args)) }
    const logs: Array<[string, string]> = []
    const service = createQuotaService({
      store: counted,
      timeZone: 'UTC',
      onStoreError: 'reject',
      probeIntervalMs: 100,
      limitedTokenFlushIntervalMs: 10,
      log: (level, msg) => logs.push([level, msg]),
    })
    try {
      const ticket = await service.admit('wrong-type', { dailyRequests: 10, dailyTokens: 1000 })
      expect(ticket.allowed).toBe(true)
      await raw.set(`llmgw:quota:{wrong-type}:${today()}:tok`, 'not a hash')
      expect(await store.addTokens('wrong-type', today(), 1, 1, 60).catch((e: unknown) => e)).toBeInstanceOf(QuotaWriteRefused)

      await ticket.recordTokens(5, 5)
      await service.flush()
      await Bun.sleep(300)
      expect(service.healthy()).toBe(true)
      expect(logs.filter(([level]) => level === 'error')).toEqual([['error', 'token counts dropped: the quota store refused them']])
      // Written once, never again: a retry could never succeed.
      expect(writes).toBe(1)
    } finally {
      service.close()
      await store.close()
    }
  }, 30_000)
})
