// The outcome of one quota admission, as the routes use it: whether to go on or answer 429,
// the figures for the rate-limit headers, and the two things that may happen afterwards
// (give the request back, record the tokens the response used).

export interface QuotaTicket {
  allowed: boolean
  /** Which limit refused the request; null when allowed. */
  deniedBy: 'requests' | 'tokens' | null
  /** Daily request limit; null = unlimited. */
  limit: number | null
  /** Requests counted today, this one included when allowed. */
  used: number
  /** Requests left today; null when unlimited or unknown (degraded). */
  remaining: number | null
  /** Daily token limit (input + output); null = none. */
  tokenLimit: number | null
  tokensUsed: number
  tokensRemaining: number | null
  /** The quota day this request was counted on (local `YYYY-MM-DD`). */
  day: string
  /** Next reset (local midnight in the quota time zone). */
  resetsAt: Date
  /** Whole seconds to the reset, at least 1: the `retry-after` of a 429. */
  retryAfterSeconds: number
  /** True when the store was unreachable and `on_store_error: allow` let the request through uncounted. */
  degraded: boolean
  /** Gives the request back (upstream non-2xx or failed before any byte). Idempotent; never rejects. */
  release(): Promise<void>
  /** Adds the response's token usage to today's totals. May be called more than once; never rejects. */
  recordTokens(inputTokens: number, outputTokens: number): Promise<void>
}
