// The per-user limits as the admission step uses them: one store call decides whether a request
// may start, and what comes back is the lease the request holds until it ends (its slot among the
// user's requests in flight, freed once, whichever way the request ends) and through which the
// tokens it used are counted. While the store cannot be reached, `on_store_error` decides, as for
// the daily quota: `reject` answers 503, `allow` lets the request through unlimited.
import { GatewayError } from '../errors/gateway-error'
import type { LimitStore } from './limit-store'
import type { LimitKind, UserLimits } from './user-limits'

export interface LimitLease {
  /** The request is over: frees its slot. Idempotent. */
  finish(): void
  /** The request was refused after all (by the daily quota): undoes what admitting it took. Idempotent. */
  cancel(): void
  /** Counts the tokens an answer used against tokens_per_minute. */
  recordTokens(tokens: number): void
}

export type LimitDecision = { allowed: true; lease: LimitLease } | { allowed: false; deniedBy: LimitKind; retryAfterSeconds: number }

export interface LimitService {
  admit(subject: string, limits: UserLimits): Promise<LimitDecision>
}

export type LimitLog = (level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void

export interface LimitServiceOptions {
  store: LimitStore
  onStoreError: 'reject' | 'allow'
  log?: LimitLog
  /** Names slots; unique per process by default. */
  newSlot?: () => string
}

const UNLIMITED: LimitLease = { finish() {}, cancel() {}, recordTokens() {} }
const LOG_EVERY_MS = 10_000

/** A lease that holds nothing (no limit configured, or the store is down under `allow`). */
export function noLimitLease(): LimitLease {
  return UNLIMITED
}

function slotNamer(): () => string {
  const process = crypto.randomUUID().slice(0, 8)
  let n = 0
  return () => `${process}:${(n++).toString(36)}`
}

export function createLimitService(options: LimitServiceOptions): LimitService {
  const { store, onStoreError } = options
  const log: LimitLog = options.log ?? (() => {})
  const newSlot = options.newSlot ?? slotNamer()
  // One line when the store starts failing and one every LOG_EVERY_MS while it goes on: never a line
  // per request of a busy gateway with its Redis down.
  let lastLogged = Number.NEGATIVE_INFINITY
  let unlogged = 0
  const failed = (operation: string) => (error: unknown) => {
    const t = performance.now()
    if (t - lastLogged < LOG_EVERY_MS) {
      unlogged++
      return
    }
    lastLogged = t
    log('warn', 'limit store operation failed', { operation, error: error instanceof Error ? error.message.replace(/\/\/[^/\s@]*@/g, '//***@') : String(error), failures_since_last_line: unlogged })
    unlogged = 0
  }

  return {
    async admit(subject, limits) {
      const slot = newSlot()
      let check
      try {
        check = await store.acquire(subject, slot, limits)
      } catch (error) {
        failed('acquire')(error)
        if (onStoreError === 'reject') throw new GatewayError(503, 'api_error', 'limit store unavailable; try again shortly')
        return { allowed: true, lease: UNLIMITED }
      }
      if (!check.allowed) return { allowed: false, deniedBy: check.deniedBy!, retryAfterSeconds: check.retryAfterSeconds }
      let over = false
      const holdsSlot = limits.concurrentRequests !== null
      const countsTokens = limits.tokensPerMinute !== null
      return {
        allowed: true,
        lease: {
          finish() {
            if (over) return
            over = true
            if (holdsSlot) store.release(subject, slot).catch(failed('release'))
          },
          cancel() {
            if (over) return
            over = true
            store.cancel(subject, slot, check.second, limits).catch(failed('cancel'))
          },
          recordTokens(tokens) {
            if (countsTokens && tokens > 0) store.addTokens(subject, tokens).catch(failed('addTokens'))
          },
        },
      }
    },
  }
}
