// The usage ledger on an operator's bad day: Redis goes away while requests keep coming (with
// quota.on_store_error: allow they are answered), the rows wait in memory, reports answer 503
// rather than a wrong figure, and once Redis is back every request is in the ledger; Redis hangs
// while a batch is written, applies it when it wakes, and the batch sent again is not counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { startRedis } from './helpers/redis-server'

let up: FakeUpstream
beforeAll(() => {
  up = startFakeUpstream()
})
afterAll(async () => {
  await up.stop()
})

describe('the usage ledger while Redis is down (fake upstream, real redis-server)', () => {
  it('keeps the rows of requests answered during the outage and writes them once Redis is back', async () => {
    const redis = await startRedis()
    const gw = buildTestApp(
      testConfig({
        store: { redis_url: redis.url },
        quota: { on_store_error: 'allow' },
        backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { admin_key: 'adm', keys: [{ key: 'sk-out', user: 'olga', tier: 'pro' }] },
      }),
    )
    const chat = () => gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-out' }))
    try {
      await gw.ready()
      expect((await chat()).status).toBe(200)
      await gw.runtime.ledger!.flush()
      await redis.pause()
      for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200)
      await gw.runtime.ledger!.flush()
      const during = await gw.handle('/admin/usage?group_by=user', { headers: { 'x-api-key': 'adm' } })
      expect(during.status).toBe(503)
      await redis.resume()
      await Bun.sleep(1_500)
      await gw.runtime.ledger!.flush()
      const after = (await (await gw.handle('/admin/usage?group_by=user', { headers: { 'x-api-key': 'adm' } })).json()) as { rows: { user: string; requests: number; input_tokens: number }[] }
      // The test's Redis keeps nothing on disk: what was written before it was killed went with it;
      // the three requests answered while it was down were held and written once it was back.
      expect(after.rows).toEqual([expect.objectContaining({ user: 'olga', requests: 3, errors: 0, input_tokens: 36 })])
    } finally {
      await gw.close()
      await redis.stop()
    }
  }, 60_000)
})

describe('the usage ledger while Redis hangs (fake upstream, real redis-server)', () => {
  it('counts a batch whose write timed out once, though Redis applied it when it woke up', async () => {
    const redis = await startRedis()
    const gw = buildTestApp(
      testConfig({
        store: { redis_url: redis.url },
        quota: { enabled: false },
        backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { pro: { daily_requests: null, models: ['*'] } },
        auth: { admin_key: 'adm', keys: [{ key: 'sk-hang', user: 'hana', tier: 'pro' }] },
      }),
    )
    const chat = () => gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-hang' }))
    try {
      await gw.ready()
      for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200)
      // Frozen, Redis reads the batch off the socket only when it wakes: the write times out first.
      redis.freeze()
      await gw.runtime.ledger!.flush()
      redis.thaw()
      await Bun.sleep(500)
      expect((await chat()).status).toBe(200)
      await gw.runtime.ledger!.flush()
      const rows = ((await (await gw.handle('/admin/usage?group_by=user', { headers: { 'x-api-key': 'adm' } })).json()) as { rows: { requests: number }[] }).rows
      expect(rows.map((r) => r.requests)).toEqual([4])
    } finally {
      redis.thaw()
      await gw.close()
      await redis.stop()
    }
  }, 60_000)
})
