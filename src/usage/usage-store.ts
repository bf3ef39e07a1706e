// Where the usage ledger is kept: the embedded SQLite file `usage.sqlite`, or Redis shared by every
// replica. Each store keeps three pre-aggregated views of the same rows, written together, so that
// a report reads the smallest one that answers it:
//   full    every column, kept per user (a user's history; a full export walks the users of a day)
//   models  per day, tier, requested and routed model and backend, summed over users
//   users   per day, user and tier, summed over models (and ranked by requests, for the top users)
// Writes add deltas (never overwrite), so replicas writing at once stay exact.
import type { LedgerRow } from './ledger-row'

export type LedgerView = 'full' | 'models' | 'users'

export interface UsageQuery {
  /** First and last day, `YYYY-MM-DD`, both included. */
  from: string
  to: string
  /** Only this user's rows (the `full` view only). */
  user?: string
}

export interface UsageStore {
  /**
   * Adds the rows' counts to what is stored, in one batch. A batch sent again with the same id
   * after a failure must not be counted twice (where a write can time out after it was applied).
   */
  add(rows: LedgerRow[], batchId?: string): Promise<void>
  /** Rows of one view; the columns a view sums over are empty strings. */
  read(view: LedgerView, query: UsageQuery): Promise<LedgerRow[]>
  /**
   * The `users` rows of one day with the most requests, most first, and how many (user, tier) rows
   * the day has: the work is bounded by `limit`, not by the number of users.
   */
  topUsers(day: string, limit: number): Promise<{ rows: LedgerRow[]; count: number }>
  /** Drops the rows of days before `oldestKeptDay` (a store whose rows expire by themselves may do nothing). */
  prune(oldestKeptDay: string): Promise<void>
  close(): Promise<void>
}
