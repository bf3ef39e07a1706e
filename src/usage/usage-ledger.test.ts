import { describe, expect, it } from 'bun:test'
import type { LedgerRow } from './ledger-row'
import { createUsageLedger, type FinishedRequest } from './usage-ledger'

function fakeStore() {
  const batches: LedgerRow[][] = []
  const pruned: string[] = []
  let failing = false
  return {
    batches,
    pruned,
    fail: (on: boolean) => (failing = on),
    store: {
      async add(rows: LedgerRow[]) {
        if (failing) throw new Error('store down')
        batches.push(rows.map((r) => ({ ...r })))
      },
      async prune(day: string) {
        pruned.push(day)
      },
    },
  }
}

const DAY_MS = 86_400_000
const T0 = Date.parse('2026-12-02T10:00:00Z')
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function request(over: Partial<FinishedRequest> = {}): FinishedRequest {
  return { user: 'ann', tier: 'pro', requested: 'claude-sonnet', model: 'qwen', backend: 'internal', startedAt: T0, failed: false, usage: { input_tokens: 10, output_tokens: 4 }, latencyMs: 12.4, ...over }
}

describe('the usage ledger (in-memory rows, batched writes)', () => {
  it('sums finished requests into one row per day, user, tier, model and backend, and writes them in one batch', async () => {
    const s = fakeStore()
    const ledger = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 60_000, now: () => T0 })
    ledger.record(request())
    ledger.record(request({ failed: true, usage: undefined, latencyMs: 3 }))
    ledger.record(request({ usage: { input_tokens: 5, output_tokens: 1, cache_read_tokens: 2, cache_creation_tokens: 1 } }))
    ledger.record(request({ user: 'bob' }))
    ledger.record(request({ startedAt: T0 + DAY_MS }))
    expect(s.batches).toHaveLength(0)
    await ledger.flush()
    expect(s.batches).toHaveLength(1)
    const ann = s.batches[0]!.find((r) => r.user === 'ann' && r.day === '2026-12-02')!
    expect(ann).toMatchObject({ requests: 3, errors: 1, input_tokens: 15, output_tokens: 5, cache_read_tokens: 2, cache_creation_tokens: 1, latency_ms: 27 })
    expect(s.batches[0]!).toHaveLength(3)
    await ledger.flush()
    expect(s.batches).toHaveLength(1)
    await ledger.close()
  })

  it('sends a failed batch again unchanged under its id, before newer rows, so that a store that applied it anyway counts it once', async () => {
    // A store whose write times out after it was applied (a reply lost), deduplicating by batch id.
    const applied = new Map<string, LedgerRow[]>()
    let timeOut = false
    const errors: string[] = []
    const store = {
      async add(rows: LedgerRow[], id?: string) {
        if (!applied.has(id!)) applied.set(id!, rows.map((r) => ({ ...r })))
        if (timeOut) throw new Error('Command timed out')
      },
      async prune() {},
    }
    let n = 0
    const ledger = createUsageLedger({ store, dayOf, retentionDays: 90, intervalMs: 60_000, now: () => T0, batchId: () => `b${++n}`, onError: (m) => errors.push(m) })
    ledger.record(request())
    timeOut = true
    await ledger.flush()
    expect(errors[0]).toContain('sent again')
    ledger.record(request())
    timeOut = false
    await ledger.flush()
    expect([...applied.keys()]).toEqual(['b1', 'b2'])
    expect([...applied.values()].flat().reduce((sum, r) => sum + r.requests, 0)).toBe(2)
    // A store that failed without applying gets the same batch again, and counts it then.
    const s = fakeStore()
    const other = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 60_000, now: () => T0 })
    other.record(request())
    s.fail(true)
    await other.flush()
    other.record(request())
    s.fail(false)
    await other.flush()
    expect(s.batches.flat().reduce((sum, r) => sum + r.requests, 0)).toBe(2)
    await ledger.close()
    await other.close()
  })

  it('writes what it holds when closed, within the interval otherwise', async () => {
    const s = fakeStore()
    const ledger = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 20, now: () => T0 })
    ledger.record(request())
    await Bun.sleep(80)
    expect(s.batches).toHaveLength(1)
    ledger.record(request())
    await ledger.close()
    expect(s.batches).toHaveLength(2)
  })

  it('counts requested names past the cap of a day as "other", and cuts long ones', async () => {
    const s = fakeStore()
    const ledger = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 60_000, maxRequestedNames: 3, now: () => T0 })
    for (let i = 0; i < 10; i++) ledger.record(request({ requested: `invented-${i}` }))
    ledger.record(request({ requested: 'x'.repeat(1000), startedAt: T0 + DAY_MS }))
    await ledger.close()
    const names = s.batches.flat().map((r) => r.requested_model)
    expect(names.filter((n) => n.startsWith('invented-'))).toHaveLength(3)
    expect(s.batches.flat().find((r) => r.requested_model === 'other')!.requests).toBe(7)
    expect(names.find((n) => n.startsWith('xxx'))!.length).toBe(128)
  })

  it("keeps a day's cap of requested names while requests of the day before still finish", async () => {
    const s = fakeStore()
    const ledger = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 60_000, maxRequestedNames: 3, now: () => T0 + DAY_MS })
    // Each of today's invented names is followed by a stream of yesterday ending (the hour after midnight).
    for (let i = 0; i < 10; i++) {
      ledger.record(request({ requested: `invented-${i}`, startedAt: T0 + DAY_MS }))
      ledger.record(request({ requested: 'claude-sonnet', startedAt: T0 }))
    }
    await ledger.close()
    const today = s.batches.flat().filter((r) => r.day === dayOf(T0 + DAY_MS))
    expect(today.map((r) => r.requested_model).filter((n) => n.startsWith('invented-'))).toHaveLength(3)
    expect(today.find((r) => r.requested_model === 'other')!.requests).toBe(7)
  })

  it('prunes the days past the retention once a day', async () => {
    const s = fakeStore()
    let now = T0
    const ledger = createUsageLedger({ store: s.store, dayOf, retentionDays: 90, intervalMs: 60_000, now: () => now })
    await ledger.flush()
    await ledger.flush()
    now += DAY_MS
    await ledger.flush()
    expect(s.pruned).toEqual(['2026-09-04', '2026-09-05'])
    await ledger.close()
  })
})
