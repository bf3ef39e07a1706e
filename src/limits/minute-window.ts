// The arithmetic of a sliding one-minute window kept as sixty one-second buckets: a request or a
// token count is added to the bucket of its second, and the window at second S is the sum of the
// buckets of seconds S-59..S. Unlike a fixed calendar minute, no burst straddling a minute boundary
// gets twice the limit. Pure: the current second is an argument. The Redis store runs the same
// rule in Lua (stores/redis/redis-limit-store.ts).

export const WINDOW_SECONDS = 60

/** A bucket: the second it counts and what it counts. */
export interface Bucket {
  second: number
  amount: number
}

/** Whole seconds until the window's total drops below `limit` as its oldest buckets leave; at least 1. */
export function secondsUntilBelow(buckets: Bucket[], nowSecond: number, limit: number): number {
  const inWindow = buckets.filter((b) => b.second > nowSecond - WINDOW_SECONDS).sort((a, b) => a.second - b.second)
  let total = inWindow.reduce((sum, b) => sum + b.amount, 0)
  for (const b of inWindow) {
    total -= b.amount
    // Bucket b leaves the window at second b.second + 60.
    if (total < limit) return Math.max(1, b.second + WINDOW_SECONDS - nowSecond)
  }
  return WINDOW_SECONDS
}

/** One user's window in memory: a ring of sixty buckets indexed by second modulo sixty. */
export class MinuteWindow {
  private readonly seconds = new Float64Array(WINDOW_SECONDS).fill(Number.NEGATIVE_INFINITY)
  private readonly amounts = new Float64Array(WINDOW_SECONDS)

  total(nowSecond: number): number {
    let sum = 0
    for (let i = 0; i < WINDOW_SECONDS; i++) if (this.seconds[i]! > nowSecond - WINDOW_SECONDS) sum += this.amounts[i]!
    return sum
  }

  add(nowSecond: number, amount: number): void {
    const i = ((nowSecond % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS
    if (this.seconds[i] !== nowSecond) {
      this.seconds[i] = nowSecond
      this.amounts[i] = 0
    }
    this.amounts[i] = Math.max(0, this.amounts[i]! + amount)
  }

  buckets(nowSecond: number): Bucket[] {
    const out: Bucket[] = []
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (this.seconds[i]! > nowSecond - WINDOW_SECONDS && this.amounts[i]! > 0) out.push({ second: this.seconds[i]!, amount: this.amounts[i]! })
    }
    return out
  }

  /** True when nothing in the window counts any more (the entry can be forgotten). */
  idle(nowSecond: number): boolean {
    return this.total(nowSecond) === 0
  }
}
