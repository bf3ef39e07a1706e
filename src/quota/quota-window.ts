// The quota day that contains an instant, in the configured time zone: its local date and the
// instant the next local day begins. Pure (the clock is an argument); DST-safe because the local
// date is read from Intl rather than computed from a fixed offset. UTC, the default, needs no Intl:
// its day is computed directly, which also spares the process the time zone data (~6 MB of memory).

import { isUtc } from '../config/time-zone'

export interface QuotaWindow {
  /** The local calendar date, `YYYY-MM-DD`. */
  day: string
  /** The first instant of the next local day (local midnight, or the instant after a DST gap that skips it). */
  resetsAt: Date
  /** Whole seconds until `resetsAt`, rounded up, never below 1. */
  secondsToReset: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
// The last window per zone, with the earliest instant known to fall on its day: a request normally
// falls in the same day as the previous one, so the search below runs about once a day per zone.
const lastWindow = new Map<string, { day: string; resetsAt: number; seenFrom: number }>()

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter) return formatter
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
  } catch {
    throw new Error(`unknown time zone "${timeZone}" (use an IANA name such as UTC or Europe/Paris)`)
  }
  formatters.set(timeZone, formatter)
  return formatter
}

function localDay(formatter: Intl.DateTimeFormat, ms: number): string {
  let year = ''
  let month = ''
  let day = ''
  for (const part of formatter.formatToParts(ms)) {
    if (part.type === 'year') year = part.value.padStart(4, '0')
    else if (part.type === 'month') month = part.value
    else if (part.type === 'day') day = part.value
  }
  return `${year}-${month}-${day}`
}

/**
 * The smallest instant in (lo, hi] whose local day sorts after `day`, given that `lo` is on or
 * before it and `hi` after. Local dates only move forward in every zone (fall-back transitions
 * never cross midnight backwards), so bisection to the millisecond is exact.
 */
function firstInstantAfterDay(formatter: Intl.DateTimeFormat, day: string, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (localDay(formatter, mid) > day) hi = mid
    else lo = mid
  }
  return hi
}

const DAY_MS = 86_400_000

/** Throws a readable error when `timeZone` is not a known IANA name. */
export function quotaWindow(now: Date, timeZone: string): QuotaWindow {
  const ms = now.getTime()
  if (!Number.isFinite(ms)) throw new Error('quotaWindow: invalid date')
  let cached = lastWindow.get(timeZone)
  if ((!cached || ms < cached.seenFrom || ms >= cached.resetsAt) && isUtc(timeZone)) {
    const start = Math.floor(ms / DAY_MS) * DAY_MS
    cached = { day: new Date(start).toISOString().slice(0, 10), resetsAt: start + DAY_MS, seenFrom: start }
    lastWindow.set(timeZone, cached)
  }
  // Local dates only move forward, so an instant between one already seen on the cached day and
  // that day's reset is on the same day: no calendar arithmetic on the hot path.
  if (!cached || ms < cached.seenFrom || ms >= cached.resetsAt) {
    const formatter = formatterFor(timeZone)
    const day = localDay(formatter, ms)
    if (cached && cached.day === day && ms < cached.resetsAt) {
      cached.seenFrom = Math.min(cached.seenFrom, ms)
    } else {
      // A local day lasts at most 25 hours (or 48 when a date is skipped, as in Samoa in 2011).
      const resetsAt = firstInstantAfterDay(formatter, day, ms, ms + 50 * 3_600_000)
      cached = { day, resetsAt, seenFrom: ms }
      lastWindow.set(timeZone, cached)
    }
  }
  const day = cached.day
  return {
    day,
    resetsAt: new Date(cached.resetsAt),
    secondsToReset: Math.max(1, Math.ceil((cached.resetsAt - ms) / 1000)),
  }
}
