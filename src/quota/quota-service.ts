// Daily request (and optional token) quotas per user, on top of a QuotaStore. Works out the
// quota day in the configured time zone, admits or refuses, and decides what happens while
// the store is unreachable: `reject` answers 503 (and reports unhealthy, for /ready) until the
// store is back; `allow` lets requests through uncounted. Recovery is automatic: while the store
// is failing, a background probe pings it (on a Cluster, every master) and only a successful ping
// clears the state, so that a partial outage (one Cluster master down: some users' operations
// fail, others succeed) reads as unhealthy instead of flapping.

import { GatewayError } from '../errors/gateway-error'
import type { QuotaStore } from './quota-store'
import type { QuotaTicket } from './quota-ticket'
import { quotaWindow } from './quota-window'
import { toRfc3339 } from './to-rfc3339'

export type QuotaLogLevel = 'debug' | 'info' | 'warn' | 'error'
export type QuotaLog = (level: QuotaLogLevel, msg: string, fields?: Record<string, unknown>) => void

export interface QuotaServiceOptions {
  store: QuotaStore
  /** IANA time zone whose midnight resets the quota, e.g. `UTC`, `Europe/Paris`. */
  timeZone: string
  onStoreError: 'reject' | 'allow'
  now?: () => Date
  log?: QuotaLog
  /** Seconds a day's counters outlive its reset, so late releases and token records still land. Default 3600. */
  retentionMarginSeconds?: number
  /** How often a failing store is pinged. Default 1000 ms. */
  probeIntervalMs?: number
  /**
   * Whether the store has been reached since it was opened. A gateway started before its Redis
   * is not healthy under `reject` until then, before any request has failed. Default: reached.
   */
  reached?: () => boolean
  /**
   * Token counts are summed in memory and written together instead of one store write per
   * request: at most this often for users without a daily token limit (default 1000 ms)...
   */
  tokenFlushIntervalMs?: number
  /**
   * ...and within this for users with one (default 50 ms). Until then this process counts the
   * tokens it holds against the user's limit itself, so the limit stays exact on one replica.
   */
  limitedTokenFlushIntervalMs?: number
}

export interface QuotaUserLimits {
  /** Requests per day; null = unlimited. */
  dailyRequests: number | null
  /** Input + output tokens per day; null or absent = no token limit. */
  dailyTokens?: number | null
}

/** The body of GET /quota, minus `user` and `tier`, which the route knows. */
export interface QuotaStatus {
  limit: number | null
  used: number
  remaining: number | null
  /** RFC 3339, UTC. */
  resets_at: string
  input_tokens: number
  output_tokens: number
  token_limit: number | null
  tokens_remaining: number | null
}

export interface QuotaService {
  /** Counts one request. Resolves with allowed:false when a limit is reached (the route answers 429). */
  admit(user: string, limits: QuotaUserLimits): Promise<QuotaTicket>
  status(user: string, limits: QuotaUserLimits): Promise<QuotaStatus>
  /** False while the store is failing and onStoreError is `reject`. */
  healthy(): boolean
  /** Pings the store now and returns healthy(). */
  checkHealth(): Promise<boolean>
  /** Writes the token counts still held in memory. */
  flush(): Promise<void>
  /** Stops the background probe and timers (the store is closed by its owner; flush first). */
  close(): void
}

const STORE_UNAVAILABLE = 'quota store unavailable; try again shortly'

// Store errors may quote a connection string; keep credentials out of the logs.
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\/\/[^/\s@]*@/g, '//***@')
}

// An empty id is a caller bug, not a store failure: it must not turn into a 503 or an outage.
function checkUser(user: string): void {
  if (typeof user !== 'string' || user === '') throw new Error('quota: user id must be a non-empty string')
}

function checkLimit(name: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null
  if (!Number.isInteger(value) || value < 0) throw new Error(`quota: ${name} must be a whole number >= 0 or null`)
  return value
}

export function createQuotaService(options: QuotaServiceOptions): QuotaService {
  const { store, timeZone, onStoreError } = options
  const now = options.now ?? (() => new Date())
  const log: QuotaLog = options.log ?? (() => {})
  const margin = options.retentionMarginSeconds ?? 3600
  const probeIntervalMs = options.probeIntervalMs ?? 1000
  const reached = options.reached ?? (() => true)
  const tokenFlushIntervalMs = options.tokenFlushIntervalMs ?? 1000
  const limitedTokenFlushIntervalMs = options.limitedTokenFlushIntervalMs ?? 50
  if (onStoreError !== 'reject' && onStoreError !== 'allow') {
    throw new Error(`quota: on_store_error must be "reject" or "allow", got "${String(onStoreError)}"`)
  }
  quotaWindow(now(), timeZone) // throws now, not on the first request, when the zone is unknown

  let failing = false
  let probe: ReturnType<typeof setInterval> | undefined

  function storeSucceeded() {
    if (!failing) return
    failing = false
    if (probe) clearInterval(probe)
    probe = undefined
    log('info', 'quota store reachable again')
  }

  function storeFailed(operation: string, error: unknown) {
    if (!failing) {
      failing = true
      log('error', 'quota store unreachable', { operation, error: describeError(error), on_store_error: onStoreError })
    } else {
      log('debug', 'quota store still unreachable', { operation, error: describeError(error) })
    }
    if (!probe) {
      let probing = false
      probe = setInterval(() => {
        if (probing) return
        probing = true
        store
          .ping()
          .then(storeSucceeded, () => {})
          .finally(() => (probing = false))
      }, probeIntervalMs)
      probe.unref?.()
    }
  }

  function unavailable(): GatewayError {
    return new GatewayError(503, 'api_error', STORE_UNAVAILABLE)
  }

  async function admit(user: string, limits: QuotaUserLimits): Promise<QuotaTicket> {
    checkUser(user)
    const limit = checkLimit('dailyRequests', limits.dailyRequests)
    const tokenLimit = checkLimit('dailyTokens', limits.dailyTokens)
    const window = quotaWindow(now(), timeZone)
    const ttlSeconds = window.secondsToReset + margin
    const base = { limit, tokenLimit, day: window.day, resetsAt: window.resetsAt, retryAfterSeconds: window.secondsToReset }

    // Tokens this process holds but has not written yet count against the token limit too.
    const held = tokenLimit === null ? null : heldTokensOf(`${user}\u0000${window.day}`)
    const heldTokens = held ? held.input + held.output : 0
    let admission
    try {
      admission = await store.admit(user, window.day, { requests: limit, tokens: tokenLimit === null ? null : Math.max(0, tokenLimit - heldTokens) }, ttlSeconds)
      if (heldTokens > 0) admission = { ...admission, tokensUsed: admission.tokensUsed + heldTokens }
    } catch (error) {
      storeFailed('admit', error)
      if (onStoreError === 'reject') throw unavailable()
      log('debug', 'quota not counted: store unreachable, on_store_error is allow', { user })
      return {
        ...base,
        allowed: true,
        deniedBy: null,
        used: 0,
        remaining: null,
        tokensUsed: 0,
        tokensRemaining: null,
        degraded: true,
        release: async () => {},
        recordTokens: (input, output) => recordTokens(user, window.day, input, output, ttlSeconds, tokenLimit !== null),
      }
    }

    let released = false
    return {
      ...base,
      allowed: admission.allowed,
      deniedBy: admission.deniedBy,
      used: admission.used,
      remaining: limit === null ? null : Math.max(0, limit - admission.used),
      tokensUsed: admission.tokensUsed,
      tokensRemaining: tokenLimit === null ? null : Math.max(0, tokenLimit - admission.tokensUsed),
      degraded: false,
      async release() {
        if (!admission.allowed || released) return
        released = true
        try {
          await store.release(user, window.day)
        } catch (error) {
          storeFailed('release', error)
        }
      },
      recordTokens: async (input, output) => {
        if (admission.allowed) await recordTokens(user, window.day, input, output, ttlSeconds, tokenLimit !== null)
      },
    }
  }

  interface PendingTokens {
    user: string
    day: string
    input: number
    output: number
    ttlSeconds: number
    limited: boolean
  }
  const pendingTokens = new Map<string, PendingTokens>()
  /** Tokens on their way to the store: still this process's to count until the write lands. */
  const writingTokens = new Map<string, { input: number; output: number }>()

  function heldTokensOf(key: string): { input: number; output: number } | null {
    const pending = pendingTokens.get(key)
    const writing = writingTokens.get(key)
    if (!pending && !writing) return null
    return { input: (pending?.input ?? 0) + (writing?.input ?? 0), output: (pending?.output ?? 0) + (writing?.output ?? 0) }
  }
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let flushDueAt = Number.POSITIVE_INFINITY
  let closed = false

  function adjustWriting(key: string, input: number, output: number) {
    const w = writingTokens.get(key) ?? { input: 0, output: 0 }
    w.input += input
    w.output += output
    if (w.input === 0 && w.output === 0) writingTokens.delete(key)
    else writingTokens.set(key, w)
  }

  /**
   * Writes one user's held tokens; on a store failure they are held again for the next write,
   * unless the service has closed meanwhile (the gateway is stopping): then they are lost, and said so.
   */
  async function writeTokens(key: string, e: PendingTokens) {
    adjustWriting(key, e.input, e.output)
    try {
      await store.addTokens(e.user, e.day, e.input, e.output, e.ttlSeconds)
      adjustWriting(key, -e.input, -e.output)
    } catch (error) {
      adjustWriting(key, -e.input, -e.output)
      storeFailed('addTokens', error)
      if (closed) log('error', 'token counts lost: the quota store failed as the gateway stopped', { user: e.user, input_tokens: e.input, output_tokens: e.output })
      else void recordTokens(e.user, e.day, e.input, e.output, e.ttlSeconds, e.limited)
    }
  }

  async function flush() {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    flushDueAt = Number.POSITIVE_INFINITY
    const entries = [...pendingTokens]
    pendingTokens.clear()
    await Promise.all(entries.map(([key, e]) => writeTokens(key, e)))
  }

  async function recordTokens(user: string, day: string, input: number, output: number, ttlSeconds: number, limited: boolean) {
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
    const interval = limited && !failing ? limitedTokenFlushIntervalMs : tokenFlushIntervalMs
    const due = performance.now() + interval
    if (due < flushDueAt) {
      if (flushTimer) clearTimeout(flushTimer)
      flushDueAt = due
      flushTimer = setTimeout(() => void flush(), interval)
      flushTimer.unref?.()
    }
  }

  async function status(user: string, limits: QuotaUserLimits): Promise<QuotaStatus> {
    checkUser(user)
    const limit = checkLimit('dailyRequests', limits.dailyRequests)
    const tokenLimit = checkLimit('dailyTokens', limits.dailyTokens)
    const window = quotaWindow(now(), timeZone)
    let counts
    try {
      counts = await store.counts(user, window.day)
    } catch (error) {
      // Even with `allow` there is nothing truthful to show.
      storeFailed('counts', error)
      throw unavailable()
    }
    // Tokens still held in memory count too.
    const held = heldTokensOf(`${user}\u0000${window.day}`)
    if (held) counts = { ...counts, inputTokens: counts.inputTokens + held.input, outputTokens: counts.outputTokens + held.output }
    const tokens = counts.inputTokens + counts.outputTokens
    return {
      limit,
      used: counts.requests,
      remaining: limit === null ? null : Math.max(0, limit - counts.requests),
      resets_at: toRfc3339(window.resetsAt),
      input_tokens: counts.inputTokens,
      output_tokens: counts.outputTokens,
      token_limit: tokenLimit,
      tokens_remaining: tokenLimit === null ? null : Math.max(0, tokenLimit - tokens),
    }
  }

  return {
    admit,
    status,
    healthy: () => !((failing || !reached()) && onStoreError === 'reject'),
    async checkHealth() {
      try {
        await store.ping()
        storeSucceeded()
      } catch (error) {
        storeFailed('ping', error)
      }
      return !((failing || !reached()) && onStoreError === 'reject')
    },
    flush,
    close() {
      closed = true
      if (probe) clearInterval(probe)
      probe = undefined
      if (flushTimer) clearTimeout(flushTimer)
      flushTimer = undefined
    },
  }
}
