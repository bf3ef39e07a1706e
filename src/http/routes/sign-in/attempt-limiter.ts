// Attempts per key (a client address) in a fixed window: device authorizations and verification
// page submissions, so that one client can neither flood the store with grants nor guess user
// codes. The map is bounded: when full, expired windows go first, then the oldest entries.

export interface AttemptLimiter {
  /** Counts one attempt; `retryAfterS` is set when it is over the limit. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterS: number }
}

export function createAttemptLimiter(options: { limit: number; windowMs: number; maxKeys?: number; now?: () => number }): AttemptLimiter {
  const { limit, windowMs } = options
  const maxKeys = options.maxKeys ?? 10_000
  const now = options.now ?? Date.now
  const windows = new Map<string, { startedAt: number; count: number }>()

  function makeRoom(at: number): void {
    for (const [key, w] of windows) if (at - w.startedAt >= windowMs) windows.delete(key)
    while (windows.size >= maxKeys) {
      const oldest = windows.keys().next()
      if (oldest.done) break
      windows.delete(oldest.value)
    }
  }

  return {
    take(key) {
      const at = now()
      let w = windows.get(key)
      if (!w || at - w.startedAt >= windowMs) {
        windows.delete(key)
        if (windows.size >= maxKeys) makeRoom(at)
        w = { startedAt: at, count: 0 }
        windows.set(key, w)
      }
      w.count++
      if (w.count <= limit) return { allowed: true }
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((w.startedAt + windowMs - at) / 1000)) }
    },
  }
}
