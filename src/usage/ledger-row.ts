// One row of the usage ledger: what one user did on one quota day with one requested model, as
// routed to one model on one backend, summed. Rows are pre-aggregated as requests end, so reports
// read rows, never requests.

/** The counts of a row, in the order reports and CSV files list them. */
export const LEDGER_COUNTS = ['requests', 'errors', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'latency_ms'] as const

export type LedgerCount = (typeof LEDGER_COUNTS)[number]
export type LedgerCounts = Record<LedgerCount, number>

export interface LedgerKey {
  /** The quota day (`YYYY-MM-DD` in `quota.timezone`) the request started on. */
  day: string
  user: string
  tier: string
  /** The name the client asked for. */
  requested_model: string
  /** The routed model that answered (or was tried last); empty when routing refused the request. */
  model: string
  /** Empty when no backend was called. */
  backend: string
}

export interface LedgerRow extends LedgerKey, LedgerCounts {}

export function emptyCounts(): LedgerCounts {
  return { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, latency_ms: 0 }
}

export function addCounts(into: LedgerCounts, from: LedgerCounts): void {
  for (const name of LEDGER_COUNTS) into[name] += from[name]
}

/** Whole, non-negative, finite: what a store can add without corrupting a counter. */
export function wholeCount(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0
}
