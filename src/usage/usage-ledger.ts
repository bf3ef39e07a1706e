// The usage tracker on the request path: each finished request adds its counts to a row held in
// memory (one Map lookup, no store write), and the rows that changed are written to the store
// together, once per interval, as deltas. A write that fails is sent again as it was, under the
// same batch id, before anything newer: a store that timed out may have applied it all the same,
// and the id lets it apply a batch once (Redis keeps a marker per batch). Closing writes what is
// held and says so when that fails.
//
// What a client may choose is bounded before it reaches a row: a requested model name is cut to
// 128 characters, and past `maxRequestedNames` distinct names in a day the rest are counted as
// `other`, so that a caller inventing names cannot grow the ledger without end.
import type { TokenUsage } from '../protocol/usage'
import { type LedgerCounts, type LedgerKey, type LedgerRow, addCounts, emptyCounts, wholeCount } from './ledger-row'
import type { UsageStore } from './usage-store'

export interface UsageLedgerOptions {
  store: Pick<UsageStore, 'add' | 'prune'>
  /** Ids of batches; random by default. */
  batchId?: () => string
  /** Rows of days older than this many days (today included) are pruned once a day. */
  retentionDays: number
  /** The quota day of an instant (ms since the epoch), `YYYY-MM-DD` in the quota's time zone. */
  dayOf: (ms: number) => string
  /** How often held rows are written. Default 1000 ms. */
  intervalMs?: number
  maxRequestedNames?: number
  onError?: (message: string, fields: Record<string, unknown>) => void
  now?: () => number
}

/** How one request ended, as the ledger counts it. */
export interface FinishedRequest {
  user: string
  tier: string
  requested: string
  /** Empty when the request never reached a routed model. */
  model: string
  backend: string
  /** ms since the epoch at the start: the request counts on that day. */
  startedAt: number
  failed: boolean
  usage: TokenUsage | undefined
  latencyMs: number
}

export interface UsageLedger {
  /** Adds one finished request to its row in memory. Never throws, never waits. */
  record(request: FinishedRequest): void
  /** Writes every held row now. */
  flush(): Promise<void>
  /**
   * For a ledger a config reload has replaced: it writes what it holds now, and each request still
   * finishing on it right away rather than within the interval, so that a shutdown soon after loses
   * nothing.
   */
  retire(): Promise<void>
  /** Writes what is held and stops the timer. */
  close(): Promise<void>
}

const MAX_NAME = 128
const SEP = '\u001f'

export function createUsageLedger(options: UsageLedgerOptions): UsageLedger {
  const { store, dayOf } = options
  const intervalMs = options.intervalMs ?? 1000
  const maxNames = options.maxRequestedNames ?? 1000
  const onError = options.onError ?? (() => {})
  let held = new Map<string, LedgerRow>()
  /**
   * The requested names seen per day, for the two latest days: requests of the day before still
   * finish after midnight, and must neither reopen today's cap nor be refused their own day's.
   */
  const namesByDay = new Map<string, Set<string>>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let writing: Promise<void> = Promise.resolve()
  let closed = false
  let retired = false
  let prunedOn = ''
  /** A batch whose write failed: sent again, unchanged and under its id, before any newer one. */
  let unsent: { id: string; rows: LedgerRow[] } | null = null
  const now = options.now ?? Date.now
  const batchId = options.batchId ?? (() => crypto.randomUUID())

  /** Once per quota day: drop the rows past the retention. */
  async function pruneOnce() {
    const today = dayOf(now())
    if (today === prunedOn) return
    prunedOn = today
    const oldestKept = new Date(Date.parse(`${today}T00:00:00Z`) - (options.retentionDays - 1) * 86_400_000).toISOString().slice(0, 10)
    await store.prune(oldestKept).catch((error) => onError('usage store prune failed', { error: String(error) }))
  }

  function namesOf(day: string): Set<string> | null {
    let names = namesByDay.get(day)
    if (names) return names
    const days = [...namesByDay.keys()].sort()
    // A request of a day older than both kept days (a stream open for more than a day) has no cap
    // left to check against: its name is not kept.
    if (days.length >= 2 && day < days[0]!) return null
    if (days.length >= 2) namesByDay.delete(days[0]!)
    namesByDay.set(day, (names = new Set()))
    return names
  }

  function boundedName(day: string, name: string): string {
    const cut = name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name
    const names = namesOf(day)
    if (names === null) return 'other'
    if (names.has(cut)) return cut
    if (names.size >= maxNames) return 'other'
    names.add(cut)
    return cut
  }

  function rowFor(key: LedgerKey): LedgerRow {
    const id = `${key.day}${SEP}${key.user}${SEP}${key.tier}${SEP}${key.requested_model}${SEP}${key.model}${SEP}${key.backend}`
    let row = held.get(id)
    if (!row) {
      row = { ...key, ...emptyCounts() }
      held.set(id, row)
    }
    return row
  }

  function schedule() {
    if (timer || closed) return
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, intervalMs)
    timer.unref?.()
  }

  /** Sends one batch; false (and the batch kept as `unsent`) when the store failed. */
  async function send(batch: { id: string; rows: LedgerRow[] }): Promise<boolean> {
    try {
      await store.add(batch.rows, batch.id)
      return true
    } catch (error) {
      if (closed) {
        onError('usage rows lost: the usage store failed as the gateway stopped', { rows: batch.rows.length, error: String(error) })
        return false
      }
      onError('usage store write failed; the rows are kept and sent again', { rows: batch.rows.length, error: String(error) })
      unsent = batch
      schedule()
      return false
    }
  }

  async function writeHeld(): Promise<void> {
    await pruneOnce()
    if (unsent) {
      const again = unsent
      unsent = null
      if (!(await send(again))) {
        if (closed && held.size > 0) onError('usage rows lost: the usage store failed as the gateway stopped', { rows: held.size })
        return
      }
    }
    if (held.size === 0) return
    const rows = [...held.values()]
    held = new Map()
    await send({ id: batchId(), rows })
  }

  // Writes run one after another, so that a slow store never has two batches of one row in flight.
  function flush(): Promise<void> {
    writing = writing.then(writeHeld)
    return writing
  }

  return {
    record(r) {
      const day = dayOf(r.startedAt)
      const row = rowFor({ day, user: r.user, tier: r.tier, requested_model: boundedName(day, r.requested), model: r.model, backend: r.backend })
      const counts: LedgerCounts = row
      counts.requests++
      if (r.failed) counts.errors++
      if (r.usage) {
        counts.input_tokens += wholeCount(r.usage.input_tokens)
        counts.output_tokens += wholeCount(r.usage.output_tokens)
        counts.cache_read_tokens += wholeCount(r.usage.cache_read_tokens)
        counts.cache_creation_tokens += wholeCount(r.usage.cache_creation_tokens)
      }
      counts.latency_ms += wholeCount(Math.round(r.latencyMs))
      // A retired ledger writes at once: a shutdown may close the store before any timer fires.
      if (retired) void flush()
      else schedule()
    },
    flush,
    retire() {
      retired = true
      return flush()
    },
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await flush()
    },
  }
}
