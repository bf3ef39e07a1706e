// Counts the streams being relayed, so that shutdown can wait for them to finish.
import type { StreamTracker } from './proxy-request'

export function createStreamTracker(): StreamTracker & { idle(): Promise<void> } {
  let count = 0
  let waiters: (() => void)[] = []
  return {
    get count() {
      return count
    },
    open() {
      count++
    },
    close() {
      count = Math.max(0, count - 1)
      if (count === 0) {
        for (const w of waiters) w()
        waiters = []
      }
    },
    idle() {
      return count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))
    },
  }
}
