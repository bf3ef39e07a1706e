// Measures how late the event loop runs a timer: the time every request waits behind whatever
// JavaScript is running (a big body being parsed, a tokenizer, a long synchronous loop). A timer
// due every `periodMs` notes how late it fired; the gauge shows the worst lateness of the last
// five to ten seconds, so that a scrape every 15 to 30 s still sees a stall between scrapes.
import type { Gauge } from './registry'

export interface LagWatchOptions {
  periodMs?: number
  /** Milliseconds, monotonic; tests drive it. */
  now?: () => number
}

const WINDOW_MS = 5_000

export function watchEventLoopLag(gauge: Gauge, options: LagWatchOptions = {}): () => void {
  const periodMs = options.periodMs ?? 100
  const now = options.now ?? (() => performance.now())
  let expected = now() + periodMs
  let windowStart = now()
  let current = 0
  let previous = 0
  gauge.set({}, 0)
  const timer = setInterval(() => {
    const t = now()
    const lag = Math.max(0, t - expected)
    expected = t + periodMs
    if (t - windowStart >= WINDOW_MS) {
      previous = current
      current = 0
      windowStart = t
    }
    current = Math.max(current, lag)
    gauge.set({}, Math.max(current, previous) / 1000)
  }, periodMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
