// Token counts on their way into the quota. An upstream's usage is whatever it says: a figure like
// 1e21 is not an integer Redis's HINCRBY takes, and a sum past 2^53 is not one JavaScript counts
// exactly. Each response's figure is bounded where it enters (boundTokenCount), so that the day's
// sums stay far inside the 64-bit counters of Redis and SQLite and every write can succeed; the
// stores keep their own guard (wholeTokenCount) for the sums they are given.

/**
 * Tokens one response may add per direction. No model's context window comes near it (they are
 * a few million tokens at most); a bigger figure is an upstream's bug, and counting it as this
 * still uses up any daily token limit.
 */
export const MAX_TOKENS_PER_RESPONSE = 1_000_000_000

/** A whole, non-negative count of at most `max`; anything else (NaN, negative, not a number) is 0. */
export function wholeTokenCount(value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !(value > 0)) return 0
  return Math.min(Math.floor(value), max)
}

/** One response's usage, as the quota counts it. */
export function boundTokenCount(value: number): number {
  return wholeTokenCount(value, MAX_TOKENS_PER_RESPONSE)
}
