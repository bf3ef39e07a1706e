import { afterEach, describe, expect, it } from 'bun:test'
import { GatewayError } from '../errors/gateway-error'
import { createQuotaService, type QuotaService, type QuotaServiceOptions } from './quota-service'
import type { QuotaStore } from './quota-store'
import { createSqliteQuotaStore } from '../stores/sqlite/sqlite-quota-store'
import { waitFor } from '../../test/helpers/wait-for'

const FREE = { dailyRequests: 10 }

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function clock(iso: string) {
  let current = new Date(iso).getTime()
  return {
    now: () => new Date(current),
    set: (next: string) => (current = new Date(next).getTime()),
  }
}

function service(options: Partial<QuotaServiceOptions> & { store?: QuotaStore } = {}): QuotaService {
  const store = options.store ?? createSqliteQuotaStore(':memory:')
  const svc = createQuotaService({ timeZone: 'UTC', onStoreError: 'reject', ...options, store })
  cleanups.push(() => svc.close())
  cleanups.push(() => store.close().catch(() => {}))
  return svc
}

/** A store whose every call fails while `down` is true, delegating to sqlite otherwise. */
function flakyStore() {
  const inner = createSqliteQuotaStore(':memory:')
  const state = { down: false }
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (state.down) throw new Error('connect ECONNREFUSED redis://app:hunter2@10.0.0.5:6379')
    return fn(...args)
  }
  const store: QuotaStore = {
    admit: guard(inner.admit),
    release: guard(inner.release),
    addTokens: guard(inner.addTokens),
    counts: guard(inner.counts),
    ping: guard(inner.ping),
    close: inner.close,
  }
  return { store, state }
}

describe('createQuotaService', () => {
  it('refuses the 11th request of the day with the figures of a 429', async () => {
    const c = clock('2026-11-27T21:00:00Z')
    const quota = service({ now: c.now })
    for (let i = 1; i <= 10; i++) expect(await quota.admit('alice', FREE)).toMatchObject({ allowed: true, used: i, remaining: 10 - i })
    const refused = await quota.admit('alice', FREE)
    expect(refused).toMatchObject({ allowed: false, deniedBy: 'requests', limit: 10, used: 10, remaining: 0, retryAfterSeconds: 3 * 3600 })
    expect(refused.resetsAt.toISOString()).toBe('2026-11-28T00:00:00.000Z')
  })

  it('resets the count at local midnight in the configured time zone', async () => {
    const c = clock('2026-11-27T22:59:58Z') // 23:59:58 in Paris
    const quota = service({ now: c.now, timeZone: 'Europe/Paris' })
    for (let i = 0; i < 10; i++) await quota.admit('alice', FREE)
    const refused = await quota.admit('alice', FREE)
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 2, day: '2026-11-27' })
    expect(refused.resetsAt.toISOString()).toBe('2026-11-27T23:00:00.000Z')

    c.set('2026-11-27T23:00:00Z')
    const next = await quota.admit('alice', FREE)
    expect(next).toMatchObject({ allowed: true, used: 1, remaining: 9, day: '2026-11-28' })
    const status = await quota.status('alice', FREE)
    expect(status.resets_at).toBe('2026-11-28T23:00:00Z')
  })

  it('gives a request back once, however often release is called', async () => {
    const quota = service()
    const first = await quota.admit('alice', FREE)
    await quota.admit('alice', FREE)
    await first.release()
    await first.release()
    expect((await quota.status('alice', FREE)).used).toBe(1)
  })

  it('does not give back a refused request', async () => {
    const quota = service()
    const refused = await quota.admit('alice', { dailyRequests: 0 })
    expect(refused.allowed).toBe(false)
    await quota.admit('alice', FREE)
    await refused.release()
    expect((await quota.status('alice', FREE)).used).toBe(1)
  })

  it('releases and records tokens on the day the request was admitted, even after midnight', async () => {
    const c = clock('2026-11-27T23:59:59Z')
    const quota = service({ now: c.now })
    const ticket = await quota.admit('alice', FREE)
    c.set('2026-11-28T00:00:05Z')
    await ticket.recordTokens(10, 5)
    expect(await quota.status('alice', FREE)).toMatchObject({ used: 0, input_tokens: 0 })
    c.set('2026-11-27T23:59:59Z')
    expect(await quota.status('alice', FREE)).toMatchObject({ used: 1, input_tokens: 10, output_tokens: 5 })
  })

  it('reports the status for GET /quota, with nulls for an unlimited tier', async () => {
    const c = clock('2026-11-27T12:00:00Z')
    const quota = service({ now: c.now })
    const ticket = await quota.admit('alice', { dailyRequests: null })
    expect(ticket).toMatchObject({ allowed: true, limit: null, remaining: null, used: 1 })
    await ticket.recordTokens(1200, 300)
    expect(await quota.status('alice', { dailyRequests: null })).toEqual({
      limit: null,
      granted: 0,
      used: 1,
      remaining: null,
      resets_at: '2026-11-28T00:00:00Z',
      input_tokens: 1200,
      output_tokens: 300,
      token_limit: null,
      tokens_remaining: null,
    })
  })

  it("raises today's limit by a grant, for today only, and resets today's count", async () => {
    const c = clock('2026-11-27T12:00:00Z')
    const quota = service({ now: c.now })
    const THREE = { dailyRequests: 3 }
    for (let i = 0; i < 3; i++) await quota.admit('alice', THREE)
    expect((await quota.admit('alice', THREE)).allowed).toBe(false)
    await quota.grant('alice', 2)
    const ticket = await quota.admit('alice', THREE)
    expect(ticket).toMatchObject({ allowed: true, limit: 5, used: 4, remaining: 1 })
    expect(await quota.status('alice', THREE)).toMatchObject({ limit: 5, granted: 2, used: 4, remaining: 1 })
    await quota.reset('alice')
    expect(await quota.status('alice', THREE)).toMatchObject({ used: 0, granted: 2 })
    expect(() => quota.grant('alice', 0)).toThrow()
    c.set('2026-11-28T00:00:01Z')
    expect(await quota.status('alice', THREE)).toMatchObject({ limit: 3, granted: 0 })
  })

  it("sets today's tokens back to 0 on a reset, the tokens still held in memory included", async () => {
    const quota = service({ tokenFlushIntervalMs: 60_000, limitedTokenFlushIntervalMs: 60_000 })
    const limits = { dailyRequests: 100, dailyTokens: 1000 }
    await (await quota.admit('alice', limits)).recordTokens(900, 300)
    expect((await quota.admit('alice', limits)).allowed).toBe(false)
    await quota.reset('alice')
    expect(await quota.status('alice', limits)).toMatchObject({ used: 0, input_tokens: 0, output_tokens: 0, tokens_remaining: 1000 })
    expect((await quota.admit('alice', limits)).allowed).toBe(true)
    await quota.flush()
    expect(await quota.status('alice', limits)).toMatchObject({ used: 1, input_tokens: 0, output_tokens: 0 })
  })

  it('refuses requests once the daily token limit is reached', async () => {
    const quota = service()
    const limits = { dailyRequests: 100, dailyTokens: 1000 }
    const ticket = await quota.admit('alice', limits)
    expect(ticket).toMatchObject({ allowed: true, tokenLimit: 1000, tokensRemaining: 1000 })
    await ticket.recordTokens(800, 250)
    expect(await quota.admit('alice', limits)).toMatchObject({ allowed: false, deniedBy: 'tokens', tokensUsed: 1050, tokensRemaining: 0 })
    expect(await quota.status('alice', limits)).toMatchObject({ token_limit: 1000, tokens_remaining: 0 })
  })

  it('answers 503 without credentials and reports unhealthy while the store fails under reject (simulated store failure; real Redis: test/quota-store-outage.test.ts)', async () => {
    const { store, state } = flakyStore()
    const logs: string[] = []
    const quota = service({ store, probeIntervalMs: 20, log: (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields)}`) })
    state.down = true
    const error = await quota.admit('alice', FREE).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 503, type: 'api_error' })
    expect(String((error as Error).message)).not.toContain('hunter2')
    expect(logs.join('\n')).not.toContain('hunter2')
    expect(quota.healthy()).toBe(false)
    await expect(quota.status('alice', FREE)).rejects.toMatchObject({ status: 503 })

    state.down = false
    for (let i = 0; i < 200 && !quota.healthy(); i++) await Bun.sleep(10)
    expect(quota.healthy()).toBe(true)
    expect((await quota.admit('alice', FREE)).allowed).toBe(true)
  })

  it('stays unhealthy through a partial outage (other operations succeed) until a ping succeeds (simulated store failure)', async () => {
    const { store, state } = flakyStore()
    const ping = store.ping
    let pingDown = true
    store.ping = async () => {
      if (pingDown) throw new Error('CLUSTERDOWN')
      return ping()
    }
    const quota = service({ store, probeIntervalMs: 5 })
    state.down = true
    await quota.admit('alice', FREE).catch(() => {})
    state.down = false
    for (let i = 0; i < 5; i++) expect((await quota.admit('bob', FREE)).allowed).toBe(true)
    await Bun.sleep(20)
    expect(quota.healthy()).toBe(false)
    pingDown = false
    expect(await waitFor(() => quota.healthy())).toBe(true)
  })

  it('lets requests through uncounted and stays healthy while the store fails under allow (simulated store failure)', async () => {
    const { store, state } = flakyStore()
    const quota = service({ store, onStoreError: 'allow' })
    state.down = true
    const ticket = await quota.admit('alice', FREE)
    expect(ticket).toMatchObject({ allowed: true, degraded: true, remaining: null, limit: 10 })
    await ticket.release()
    await ticket.recordTokens(5, 5)
    expect(quota.healthy()).toBe(true)
    expect(await quota.checkHealth()).toBe(true)
  })

  it('throws a plain error for an empty user id without marking the store unhealthy', async () => {
    const quota = service()
    await expect(quota.admit('', FREE)).rejects.toThrow('user id')
    expect(quota.healthy()).toBe(true)
  })

  it('rejects an unknown time zone or on_store_error when it is built', () => {
    const store = createSqliteQuotaStore(':memory:')
    expect(() => createQuotaService({ store, timeZone: 'Nowhere/Land', onStoreError: 'reject' })).toThrow('unknown time zone')
    expect(() => createQuotaService({ store, timeZone: 'UTC', onStoreError: 'maybe' as 'allow' })).toThrow('on_store_error')
  })
})

describe('token accounting writes', () => {
  it('sums the tokens of users without a token limit in memory and writes them on flush', async () => {
    const store = createSqliteQuotaStore(':memory:')
    const service = createQuotaService({ store, timeZone: 'UTC', onStoreError: 'reject', tokenFlushIntervalMs: 60_000 })
    try {
      for (let i = 0; i < 3; i++) {
        const ticket = await service.admit('una', { dailyRequests: null })
        await ticket.recordTokens(10, 2)
      }
      const day = (await service.admit('una', { dailyRequests: null })).day
      expect((await store.counts('una', day)).inputTokens).toBe(0)
      expect(await service.status('una', { dailyRequests: null })).toMatchObject({ input_tokens: 30, output_tokens: 6 })
      await service.flush()
      expect(await store.counts('una', day)).toMatchObject({ inputTokens: 30, outputTokens: 6 })
      expect(await service.status('una', { dailyRequests: null })).toMatchObject({ input_tokens: 30, output_tokens: 6 })
    } finally {
      service.close()
    }
  })

  it('counts tokens still on their way to the store, and holds them again when the write fails', async () => {
    const { store, state } = flakyStore()
    let release: () => void = () => {}
    const slowAdd = store.addTokens
    let slow = true
    store.addTokens = async (...args) => {
      if (slow) await new Promise<void>((resolve) => (release = resolve))
      return slowAdd(...args)
    }
    const service = createQuotaService({ store, timeZone: 'UTC', onStoreError: 'reject', tokenFlushIntervalMs: 60_000, limitedTokenFlushIntervalMs: 60_000 })
    const limits = { dailyRequests: null, dailyTokens: 100 }
    try {
      const ticket = await service.admit('wes', limits)
      await ticket.recordTokens(60, 40)
      const writing = service.flush()
      // The write has left the held map but not reached the store: the limit still sees the 100.
      expect(await service.admit('wes', limits)).toMatchObject({ allowed: false, deniedBy: 'tokens', tokensUsed: 100 })
      release()
      await writing
      expect(await store.counts('wes', ticket.day)).toMatchObject({ inputTokens: 60, outputTokens: 40 })

      // A write that fails keeps its tokens: counted meanwhile, written by the next flush.
      slow = false
      const other = await service.admit('xia', limits)
      await other.recordTokens(30, 0)
      state.down = true
      await service.flush()
      state.down = false
      expect(await service.admit('xia', limits)).toMatchObject({ allowed: true, tokensUsed: 30 })
      await service.flush()
      expect(await store.counts('xia', other.day)).toMatchObject({ inputTokens: 30, outputTokens: 0 })
    } finally {
      service.close()
    }
  })

  it('retries failed token writes at the slow interval while the store is down, and not at all once closed (simulated store failure)', async () => {
    const { store, state } = flakyStore()
    let writes = 0
    const at: number[] = []
    const add = store.addTokens
    let inFlight: () => void = () => {}
    let hold = false
    store.addTokens = async (...args) => {
      writes++
      at.push(performance.now())
      if (hold) await new Promise<void>((resolve) => (inFlight = resolve))
      return add(...args)
    }
    const logged: string[] = []
    const service = createQuotaService({ store, timeZone: 'UTC', onStoreError: 'reject', tokenFlushIntervalMs: 200, limitedTokenFlushIntervalMs: 10, log: (_l, msg) => logged.push(msg) })
    try {
      const limits = { dailyRequests: null, dailyTokens: 1_000 }
      const ticket = await service.admit('yan', limits)
      state.down = true
      await ticket.recordTokens(5, 5)
      // Down: the held tokens are retried at the slow interval (200 ms), not every 10 ms.
      expect(await waitFor(() => writes >= 4, 3_000)).toBe(true)
      const gaps = at.slice(2, 4).map((t, i) => t - at[i + 1]!)
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150)

      // A write in flight when the service closes, which then fails: its tokens are reported lost,
      // and nothing is written after the close.
      hold = true
      expect(await waitFor(() => writes >= 5, 3_000)).toBe(true)
      service.close()
      inFlight()
      const atClose = writes
      await Bun.sleep(400)
      expect(writes).toBe(atClose)
      expect(logged).toContain('token counts lost: the quota store failed as the gateway stopped')
    } finally {
      state.down = false
      service.close()
    }
  })

  it('counts the tokens it holds against a token limit at once, and writes them within the short interval', async () => {
    const store = createSqliteQuotaStore(':memory:')
    const service = createQuotaService({ store, timeZone: 'UTC', onStoreError: 'reject', tokenFlushIntervalMs: 60_000, limitedTokenFlushIntervalMs: 30 })
    try {
      const ticket = await service.admit('tim', { dailyRequests: null, dailyTokens: 100 })
      await ticket.recordTokens(70, 20)
      expect((await store.counts('tim', ticket.day)).inputTokens).toBe(0)
      // 90 of 100 used: one more passes (it reports the held tokens), then its 15 cross the limit.
      const second = await service.admit('tim', { dailyRequests: null, dailyTokens: 100 })
      expect(second).toMatchObject({ allowed: true, tokensUsed: 90, tokensRemaining: 10 })
      await second.recordTokens(10, 5)
      expect(await service.admit('tim', { dailyRequests: null, dailyTokens: 100 })).toMatchObject({ allowed: false, deniedBy: 'tokens', tokensUsed: 105 })
      // Written by the 30 ms timer, without a flush() (bounded wait for it).
      await waitFor(async () => (await store.counts('tim', ticket.day)).inputTokens > 0)
      expect(await store.counts('tim', ticket.day)).toMatchObject({ inputTokens: 80, outputTokens: 25 })
      expect(await service.admit('tim', { dailyRequests: null, dailyTokens: 100 })).toMatchObject({ allowed: false, deniedBy: 'tokens', tokensUsed: 105 })
    } finally {
      service.close()
    }
  })
})
