// Token counts on their way to the quota store. Writing every response's usage at once would cost
// one store write per request; instead the counts are summed in memory per user and quota day and
// written together: within a short interval for users with a daily token limit, a long one for the
// others. Until a write lands, held() reports the tokens this process holds, so that admission can
// count them against the limit (which keeps the limit exact on one replica). A write that fails is
// held again and retried at the long interval while the store fails; once the buffer is closed
// (the gateway is stopping), a failed write is logged as lost instead. A write the store refuses
// for good (QuotaWriteRefused) is dropped with an error line: retrying it would never succeed, and
// the store is not down. Each response's figures are bounded on the way in (token-count.ts).

import type { QuotaLog } from './quota-log'
import { QuotaWriteRefused, type QuotaStore } from './quota-store'
import type { StoreOutage } from './store-outage'
import { boundTokenCount } from './token-count'

export interface TokenBufferOptions {
  store: Pick<QuotaStore, 'addTokens'>
  /** Told of failed writes; while it reports the store failing, writes keep the long interval. */
  outage: Pick<StoreOutage, 'failing' | 'failed'>
  log: QuotaLog
  /** At most this long before tokens of users without a token limit are written. */
  intervalMs: number
  /** At most this long before tokens of users with a token limit are written. */
  limitedIntervalMs: number
}

export interface HeldTokens {
  input: number
  output: number
}

export interface TokenBuffer {
  /**
   * Adds tokens to a user's day. `limited`: the user has a daily token limit (the short interval
   * applies). `ttlSeconds`: how long the store keeps the day's counters. Never rejects.
   */
  record(user: string, day: string, input: number, output: number, ttlSeconds: number, limited: boolean): Promise<void>
  /** Tokens of this user and day held in memory or being written; null when none. */
  held(user: string, day: string): HeldTokens | null
  /** Writes everything held now. */
  flush(): Promise<void>
  /**
   * Drops what is held for this user and day, once the writes already on their way have landed:
   * a reset of the day's counts that follows then leaves nothing of before it to be added later.
   */
  forget(user: string, day: string): Promise<void>
  /** Stops the timer; writes that fail from now on are logged as lost instead of held again. */
  close(): void
}

interface PendingTokens {
  user: string
  day: string
  input: number
  output: number
  ttlSeconds: number
  limited: boolean
}

export function createTokenBuffer(options: TokenBufferOptions): TokenBuffer {
  const { store, outage, log, intervalMs, limitedIntervalMs } = options

  const pendingTokens = new Map<string, PendingTokens>()
  /** Tokens on their way to the store: still this process's to count until the write lands. */
  const writingTokens = new Map<string, HeldTokens>()
  /** The writes on their way, per user and day. */
  const inFlight = new Map<string, Set<Promise<void>>>()
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let flushDueAt = Number.POSITIVE_INFINITY
  let closed = false

  function held(user: string, day: string): HeldTokens | null {
    const key = `${user}\u0000${day}`
    const pending = pendingTokens.get(key)
    const writing = writingTokens.get(key)
    if (!pending && !writing) return null
    return { input: (pending?.input ?? 0) + (writing?.input ?? 0), output: (pending?.output ?? 0) + (writing?.output ?? 0) }
  }

  function adjustWriting(key: string, input: number, output: number) {
    const w = writingTokens.get(key) ?? { input: 0, output: 0 }
    w.input += input
    w.output += output
    if (w.input === 0 && w.output === 0) writingTokens.delete(key)
    else writingTokens.set(key, w)
  }

  /**
   * Writes one user's held tokens; on a store failure they are held again for the next write,
   * unless the buffer has closed meanwhile (the gateway is stopping): then they are lost, and said so.
   */
  async function writeTokens(key: string, e: PendingTokens) {
    adjustWriting(key, e.input, e.output)
    try {
      await store.addTokens(e.user, e.day, e.input, e.output, e.ttlSeconds)
      adjustWriting(key, -e.input, -e.output)
    } catch (error) {
      adjustWriting(key, -e.input, -e.output)
      if (error instanceof QuotaWriteRefused) {
        log('error', 'token counts dropped: the quota store refused them', { user: e.user, input_tokens: e.input, output_tokens: e.output, error: error.message })
        return
      }
      outage.failed('addTokens', error)
      if (closed) log('error', 'token counts lost: the quota store failed as the gateway stopped', { user: e.user, input_tokens: e.input, output_tokens: e.output })
      else hold(e.user, e.day, e.input, e.output, e.ttlSeconds, e.limited)
    }
  }

  async function flush() {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    flushDueAt = Number.POSITIVE_INFINITY
    const entries = [...pendingTokens]
    pendingTokens.clear()
    await Promise.all(entries.map(([key, e]) => track(key, writeTokens(key, e))))
  }

  function track(key: string, write: Promise<void>): Promise<void> {
    let writes = inFlight.get(key)
    if (!writes) inFlight.set(key, (writes = new Set()))
    writes.add(write)
    void write.finally(() => {
      writes.delete(write)
      if (writes.size === 0 && inFlight.get(key) === writes) inFlight.delete(key)
    })
    return write
  }

  async function forget(user: string, day: string) {
    const key = `${user}\u0000${day}`
    // A write that fails is held again: wait for them all, then drop what is held.
    for (let writes = inFlight.get(key); writes; writes = inFlight.get(key)) await Promise.all(writes)
    pendingTokens.delete(key)
  }

  /** Adds to what is held for the next write (sums, already bounded). */
  function hold(user: string, day: string, input: number, output: number, ttlSeconds: number, limited: boolean) {
    if (input === 0 && output === 0) return
    const key = `${user}\u0000${day}`
    const entry = pendingTokens.get(key)
    if (entry) {
      entry.input += input
      entry.output += output
      entry.ttlSeconds = Math.max(entry.ttlSeconds, ttlSeconds)
      entry.limited ||= limited
    } else {
      pendingTokens.set(key, { user, day, input, output, ttlSeconds, limited })
    }
    // While the store fails, held tokens are retried at the slow pace, not 20 times a second.
    const interval = limited && !outage.failing() ? limitedIntervalMs : intervalMs
    const due = performance.now() + interval
    if (due < flushDueAt) {
      if (flushTimer) clearTimeout(flushTimer)
      flushDueAt = due
      flushTimer = setTimeout(() => void flush(), interval)
      flushTimer.unref?.()
    }
  }

  return {
    async record(user, day, input, output, ttlSeconds, limited) {
      hold(user, day, boundTokenCount(input), boundTokenCount(output), ttlSeconds, limited)
    },
    held,
    flush,
    forget,
    close() {
      closed = true
      if (flushTimer) clearTimeout(flushTimer)
      flushTimer = undefined
    },
  }
}
