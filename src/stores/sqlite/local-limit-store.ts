// The per-user limits of a gateway on the embedded store, in the memory of its one process: the
// embedded store belongs to one process (see sqlite-quota-store.ts), so its memory is the one
// place that sees every request, and JavaScript decides one admission at a time: exact, with no
// store round trip. Nothing here is written to disk: requests in flight end with the process,
// and a minute's counts need not outlive a restart. Users with nothing in flight and an empty
// window are forgotten, so memory follows the active users.
import type { LimitCheck, LimitStore } from '../../limits/limit-store'
import { MinuteWindow, secondsUntilBelow } from '../../limits/minute-window'

interface UserState {
  inFlight: Set<string>
  requests: MinuteWindow | null
  tokens: MinuteWindow | null
}

export interface LocalLimitStoreOptions {
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number
  /** How often idle users are forgotten. Default 60 s. */
  sweepIntervalMs?: number
}

export function createLocalLimitStore(options: LocalLimitStoreOptions = {}): LimitStore & { users(): number } {
  const now = options.now ?? Date.now
  const users = new Map<string, UserState>()
  const second = () => Math.floor(now() / 1000)

  const sweep = setInterval(() => {
    const s = second()
    for (const [subject, u] of users) {
      if (u.inFlight.size === 0 && (u.requests === null || u.requests.idle(s)) && (u.tokens === null || u.tokens.idle(s))) users.delete(subject)
    }
  }, options.sweepIntervalMs ?? 60_000)
  sweep.unref?.()

  function stateOf(subject: string): UserState {
    let u = users.get(subject)
    if (!u) users.set(subject, (u = { inFlight: new Set(), requests: null, tokens: null }))
    return u
  }

  function acquireNow(subject: string, slot: string, limits: Parameters<LimitStore['acquire']>[2]): LimitCheck {
    const s = second()
    const u = stateOf(subject)
    if (limits.concurrentRequests !== null && u.inFlight.size >= limits.concurrentRequests) {
      return { allowed: false, deniedBy: 'concurrent_requests', retryAfterSeconds: 1, second: s }
    }
    if (limits.requestsPerMinute !== null) {
      u.requests ??= new MinuteWindow()
      if (u.requests.total(s) >= limits.requestsPerMinute) {
        return { allowed: false, deniedBy: 'requests_per_minute', retryAfterSeconds: secondsUntilBelow(u.requests.buckets(s), s, limits.requestsPerMinute), second: s }
      }
    }
    // A user with no tokens yet has 0 in the window, which a limit of 0 refuses (as on Redis).
    if (limits.tokensPerMinute !== null && (u.tokens?.total(s) ?? 0) >= limits.tokensPerMinute) {
      return { allowed: false, deniedBy: 'tokens_per_minute', retryAfterSeconds: secondsUntilBelow(u.tokens?.buckets(s) ?? [], s, limits.tokensPerMinute), second: s }
    }
    if (limits.concurrentRequests !== null) u.inFlight.add(slot)
    if (limits.requestsPerMinute !== null) u.requests!.add(s, 1)
    return { allowed: true, deniedBy: null, retryAfterSeconds: 0, second: s }
  }

  return {
    acquire: (subject, slot, limits) => Promise.resolve(acquireNow(subject, slot, limits)),
    async release(subject, slot) {
      users.get(subject)?.inFlight.delete(slot)
    },
    async cancel(subject, slot, s, limits) {
      const u = users.get(subject)
      if (!u) return
      u.inFlight.delete(slot)
      if (limits.requestsPerMinute !== null && s > second() - 60) u.requests?.add(s, -1)
    },
    async addTokens(subject, tokens) {
      if (!(tokens > 0)) return
      const u = stateOf(subject)
      u.tokens ??= new MinuteWindow()
      u.tokens.add(second(), tokens)
    },
    users: () => users.size,
    async close() {
      clearInterval(sweep)
    },
  }
}
