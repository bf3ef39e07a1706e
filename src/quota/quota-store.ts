// What a quota store must do: count requests and tokens per user per quota day, atomically, so
// that every gateway replica sharing the store sees one count. Two implementations: embedded
// bun:sqlite (one host) and Redis/Valkey, standalone or Cluster (many replicas).
//
// `day` is the local date from quotaWindow(); `ttlSeconds` is how long a day's counters must be
// kept (until the reset plus a margin, so that a stream started before midnight can still record
// its tokens or give its request back on the day it was counted).

export interface QuotaCounts {
  requests: number
  inputTokens: number
  outputTokens: number
  /** Requests an operator added to today's limit (POST /admin/users/{user}/grants); absent is 0. */
  granted?: number
}

export interface QuotaLimits {
  /** Requests per day; null = unlimited. */
  requests: number | null
  /**
   * Input + output tokens per day; null = unlimited. Usage is only known once a response ends,
   * so this admits requests while the total is below the limit: the request that crosses it
   * completes, the following ones are refused.
   */
  tokens: number | null
}

export interface QuotaAdmission {
  allowed: boolean
  /** Requests counted today, this one included when allowed. */
  used: number
  /** Input + output tokens recorded today. */
  tokensUsed: number
  /** Which limit refused the request; null when allowed. */
  deniedBy: 'requests' | 'tokens' | null
  /** Requests granted on top of the limit today (the request limit applied was limit + granted); absent is 0. */
  granted?: number
}

/**
 * A write the store answered and refused for good (what it holds cannot take it, e.g. a key of the
 * wrong type): sending it again cannot succeed, and the store is not down. Stores throw this so that
 * the caller drops the write, says so, and neither retries it nor reports an outage.
 */
export class QuotaWriteRefused extends Error {
  override name = 'QuotaWriteRefused'
}

export interface QuotaStore {
  /** Atomically counts one request unless a limit is reached; one round trip. */
  admit(user: string, day: string, limits: QuotaLimits, ttlSeconds: number): Promise<QuotaAdmission>
  /** Gives one request back (upstream non-2xx, or failed before any byte). Never goes below 0. */
  release(user: string, day: string): Promise<void>
  /** Adds tokens (whole counts; the caller bounds each response with boundTokenCount). Throws QuotaWriteRefused when the store refuses it for good. */
  addTokens(user: string, day: string, inputTokens: number, outputTokens: number, ttlSeconds: number): Promise<void>
  counts(user: string, day: string): Promise<QuotaCounts>
  /** Raises the user's request limit for `day` by `requests` (added to earlier grants). */
  grant?(user: string, day: string, requests: number, ttlSeconds: number): Promise<void>
  /** Sets the user's request and token counts of `day` back to 0 (grants stay). */
  reset?(user: string, day: string): Promise<void>
  /** Resolves when the store answers; throws when it is unreachable. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** A number of requests a store adds (a grant): whole and not negative; anything else is 0. */
export function wholeRequests(value: number): number {
  return typeof value === 'number' && value > 0 ? Math.floor(value) : 0
}
