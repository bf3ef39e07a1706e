// Daily request (and optional token) quotas per user, on top of a QuotaStore: the admission that
// runs on every request and the status of GET /quota. Works out the quota day in the configured
// time zone and admits or refuses in one store round trip. Two parts it composes: what happens
// while the store is unreachable (store-outage.ts) and the buffered token writes, whose tokens
// still held in memory count against the token limit (token-buffer.ts).

import type { QuotaLog } from './quota-log'
import type { QuotaStore } from './quota-store'
import type { QuotaTicket } from './quota-ticket'
import { quotaWindow } from './quota-window'
import { createStoreOutage, storeUnavailable } from './store-outage'
import { createTokenBuffer } from './token-buffer'
import { toRfc3339 } from './to-rfc3339'

export type { QuotaLog, QuotaLogLevel } from './quota-log'

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
  /** Today's request limit, grants included. */
  limit: number | null
  /** Requests an operator added to today's limit. */
  granted: number
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
  /** Raises the user's request limit for today by `requests` (POST /admin/users/{user}/grants). */
  grant(user: string, requests: number): Promise<void>
  /** Sets the user's counts of today back to 0. */
  reset(user: string): Promise<void>
  /** False while the store is failing and onStoreError is `reject`. */
  healthy(): boolean
  /** Pings the store now and returns healthy(). */
  checkHealth(): Promise<boolean>
  /** Writes the token counts still held in memory. */
  flush(): Promise<void>
  /** Stops the background probe and timers (the store is closed by its owner; flush first). */
  close(): void
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
  const { store, timeZone } = options
  const now = options.now ?? (() => new Date())
  const log: QuotaLog = options.log ?? (() => {})
  const margin = options.retentionMarginSeconds ?? 3600
  const outage = createStoreOutage({
    store,
    onStoreError: options.onStoreError,
    log,
    probeIntervalMs: options.probeIntervalMs ?? 1000,
    reached: options.reached ?? (() => true),
  })
  quotaWindow(now(), timeZone) // throws now, not on the first request, when the zone is unknown
  const tokens = createTokenBuffer({
    store,
    outage,
    log,
    intervalMs: options.tokenFlushIntervalMs ?? 1000,
    limitedIntervalMs: options.limitedTokenFlushIntervalMs ?? 50,
  })

  async function admit(user: string, limits: QuotaUserLimits): Promise<QuotaTicket> {
    checkUser(user)
    const limit = checkLimit('dailyRequests', limits.dailyRequests)
    const tokenLimit = checkLimit('dailyTokens', limits.dailyTokens)
    const window = quotaWindow(now(), timeZone)
    const ttlSeconds = window.secondsToReset + margin
    const base = { limit, tokenLimit, day: window.day, resetsAt: window.resetsAt, retryAfterSeconds: window.secondsToReset }

    // Tokens this process holds but has not written yet count against the token limit too.
    const held = tokenLimit === null ? null : tokens.held(user, window.day)
    const heldTokens = held ? held.input + held.output : 0
    let admission
    try {
      admission = await store.admit(user, window.day, { requests: limit, tokens: tokenLimit === null ? null : Math.max(0, tokenLimit - heldTokens) }, ttlSeconds)
      if (heldTokens > 0) admission = { ...admission, tokensUsed: admission.tokensUsed + heldTokens }
    } catch (error) {
      outage.failed('admit', error)
      if (outage.policy === 'reject') throw storeUnavailable()
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
        recordTokens: (input, output) => tokens.record(user, window.day, input, output, ttlSeconds, tokenLimit !== null),
      }
    }

    let released = false
    const granted = admission.granted ?? 0
    return {
      ...base,
      limit: limit === null ? null : limit + granted,
      allowed: admission.allowed,
      deniedBy: admission.deniedBy,
      used: admission.used,
      remaining: limit === null ? null : Math.max(0, limit + granted - admission.used),
      tokensUsed: admission.tokensUsed,
      tokensRemaining: tokenLimit === null ? null : Math.max(0, tokenLimit - admission.tokensUsed),
      degraded: false,
      async release() {
        if (!admission.allowed || released) return
        released = true
        try {
          await store.release(user, window.day)
        } catch (error) {
          outage.failed('release', error)
        }
      },
      recordTokens: async (input, output) => {
        if (admission.allowed) await tokens.record(user, window.day, input, output, ttlSeconds, tokenLimit !== null)
      },
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
      outage.failed('counts', error)
      throw storeUnavailable()
    }
    // Tokens still held in memory count too.
    const held = tokens.held(user, window.day)
    if (held) counts = { ...counts, inputTokens: counts.inputTokens + held.input, outputTokens: counts.outputTokens + held.output }
    const tokensUsed = counts.inputTokens + counts.outputTokens
    const granted = counts.granted ?? 0
    return {
      limit: limit === null ? null : limit + granted,
      granted,
      used: counts.requests,
      remaining: limit === null ? null : Math.max(0, limit + granted - counts.requests),
      resets_at: toRfc3339(window.resetsAt),
      input_tokens: counts.inputTokens,
      output_tokens: counts.outputTokens,
      token_limit: tokenLimit,
      tokens_remaining: tokenLimit === null ? null : Math.max(0, tokenLimit - tokensUsed),
    }
  }

  /** An operator's change to today's counts: refused with a 503 while the store fails, never half done. */
  async function adjust(user: string, operation: 'grant' | 'reset', apply: (day: string, ttlSeconds: number) => Promise<void> | undefined): Promise<void> {
    checkUser(user)
    const window = quotaWindow(now(), timeZone)
    try {
      const done = apply(window.day, window.secondsToReset + margin)
      if (done === undefined) throw new Error(`the quota store cannot ${operation}`)
      await done
    } catch (error) {
      outage.failed(operation, error)
      throw storeUnavailable()
    }
  }

  return {
    admit,
    status,
    grant: (user, requests) => {
      if (!Number.isInteger(requests) || requests < 1) throw new Error('quota: a grant must be a whole number >= 1')
      return adjust(user, 'grant', (day, ttl) => store.grant?.(user, day, requests, ttl))
    },
    reset: (user) =>
      adjust(user, 'reset', (day) => {
        const reset = store.reset
        if (!reset) return undefined
        // Tokens recorded before the reset but not yet written would otherwise be added after it.
        return tokens.forget(user, day).then(() => reset.call(store, user, day))
      }),
    healthy: outage.healthy,
    checkHealth: outage.checkHealth,
    flush: tokens.flush,
    close() {
      tokens.close()
      outage.close()
    },
  }
}
