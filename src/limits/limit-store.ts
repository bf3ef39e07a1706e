// What a limit store must do: keep each user's requests in flight and per-second request and token
// counts, and decide an admission against them atomically, so that every replica sharing the store
// sees one count. Two implementations: in the memory of the one gateway process that owns the
// embedded store, and on Redis/Valkey (shared by all replicas). `subject` is the user's
// namespaced id (auth/identity.ts); `slot` names one request's place among those in flight.
import type { LimitKind, UserLimits } from './user-limits'

export interface LimitCheck {
  allowed: boolean
  deniedBy: LimitKind | null
  /** Whole seconds until a refused request would pass (at least 1); 0 when allowed. */
  retryAfterSeconds: number
  /** The second the request was counted in (for cancel). */
  second: number
}

export interface LimitStore {
  /**
   * Unless a limit is reached: takes a slot among the user's requests in flight (when that is
   * limited) and counts the request in the current second. One round trip.
   */
  acquire(subject: string, slot: string, limits: UserLimits): Promise<LimitCheck>
  /** Frees the slot: the request is over (answered, stream ended, aborted). */
  release(subject: string, slot: string): Promise<void>
  /** Undoes an acquire of a request refused afterwards (by the daily quota): its slot and its count. */
  cancel(subject: string, slot: string, second: number, limits: UserLimits): Promise<void>
  /** Adds the tokens an answer used to the current second. */
  addTokens(subject: string, tokens: number): Promise<void>
  close(): Promise<void>
}
