// Per-user limits beside the daily quota, per tier: requests in flight at once, requests and
// tokens in any 60 seconds. They protect the backends from one user's burst (a free user filling
// them with failing or aborted calls) where the daily quota only bounds a day's total.

/** Which per-user limit refused a request; the names are the config keys. */
export type LimitKind = 'concurrent_requests' | 'requests_per_minute' | 'tokens_per_minute'

export interface UserLimits {
  /** Requests of the user in flight at once (streams until they end); null = no limit. */
  concurrentRequests: number | null
  /** Requests admitted in any 60 seconds; null = no limit. */
  requestsPerMinute: number | null
  /** Input + output tokens recorded in any 60 seconds; null = no limit. */
  tokensPerMinute: number | null
}

export function hasLimits(limits: UserLimits): boolean {
  return limits.concurrentRequests !== null || limits.requestsPerMinute !== null || limits.tokensPerMinute !== null
}

/** The limit's value, for messages. */
export function limitValue(limits: UserLimits, kind: LimitKind): number | null {
  switch (kind) {
    case 'concurrent_requests':
      return limits.concurrentRequests
    case 'requests_per_minute':
      return limits.requestsPerMinute
    case 'tokens_per_minute':
      return limits.tokensPerMinute
    default: {
      const never_: never = kind
      throw new Error(`unknown limit ${String(never_)}`)
    }
  }
}
