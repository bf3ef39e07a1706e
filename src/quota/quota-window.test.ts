import { describe, expect, it } from 'bun:test'
import { quotaWindow } from './quota-window'

const at = (iso: string) => new Date(iso)

describe('quotaWindow', () => {
  it('gives the UTC date and the next UTC midnight', () => {
    const w = quotaWindow(at('2026-11-27T10:00:00Z'), 'UTC')
    expect(w.day).toBe('2026-11-27')
    expect(w.resetsAt.toISOString()).toBe('2026-11-28T00:00:00.000Z')
    expect(w.secondsToReset).toBe(14 * 3600)
  })

  it('switches day exactly at local midnight', () => {
    expect(quotaWindow(at('2026-11-27T22:59:59.999Z'), 'Europe/Paris').day).toBe('2026-11-27')
    const after = quotaWindow(at('2026-11-27T23:00:00.000Z'), 'Europe/Paris')
    expect(after.day).toBe('2026-11-28')
    expect(after.resetsAt.toISOString()).toBe('2026-11-28T23:00:00.000Z')
  })

  it('rounds the seconds to the reset up and never below 1', () => {
    expect(quotaWindow(at('2026-11-27T23:59:59.999Z'), 'UTC').secondsToReset).toBe(1)
    expect(quotaWindow(at('2026-11-27T23:59:58.500Z'), 'UTC').secondsToReset).toBe(2)
  })

  it('uses the local date of zones east and west of UTC, half-hour offsets included', () => {
    const now = at('2026-11-27T20:00:00Z')
    expect(quotaWindow(now, 'Asia/Tokyo').day).toBe('2026-11-28')
    expect(quotaWindow(now, 'America/Los_Angeles').day).toBe('2026-11-27')
    const kolkata = quotaWindow(at('2026-11-27T10:00:00Z'), 'Asia/Kolkata')
    expect(kolkata.resetsAt.toISOString()).toBe('2026-11-27T18:30:00.000Z')
    const stJohns = quotaWindow(at('2026-11-27T10:00:00Z'), 'America/St_Johns')
    expect(stJohns.resetsAt.toISOString()).toBe('2026-11-28T03:30:00.000Z')
  })

  it('gives a 23-hour day when clocks spring forward (Paris, 29 March 2026)', () => {
    const w = quotaWindow(at('2026-03-28T23:00:00Z'), 'Europe/Paris') // 00:00 local, +01:00
    expect(w.day).toBe('2026-03-29')
    expect(w.resetsAt.toISOString()).toBe('2026-03-29T22:00:00.000Z') // 00:00 local, +02:00
    expect(w.secondsToReset).toBe(23 * 3600)
  })

  it('gives a 25-hour day when clocks fall back (New York, 1 November 2026)', () => {
    const w = quotaWindow(at('2026-11-01T04:00:00Z'), 'America/New_York') // 00:00 local, -04:00
    expect(w.day).toBe('2026-11-01')
    expect(w.resetsAt.toISOString()).toBe('2026-11-02T05:00:00.000Z') // 00:00 local, -05:00
    expect(w.secondsToReset).toBe(25 * 3600)
  })

  it('resets at the first instant of the day when DST skips midnight (Santiago, 6 September 2026)', () => {
    // 23:59:59 -04:00 is followed by 01:00:00 -03:00: local midnight never happens.
    const w = quotaWindow(at('2026-09-05T12:00:00Z'), 'America/Santiago')
    expect(w.day).toBe('2026-09-05')
    expect(w.resetsAt.toISOString()).toBe('2026-09-06T04:00:00.000Z')
    expect(quotaWindow(w.resetsAt, 'America/Santiago').day).toBe('2026-09-06')
  })

  it('copes with a skipped calendar day (Samoa, 30 December 2011)', () => {
    const w = quotaWindow(at('2011-12-29T12:00:00Z'), 'Pacific/Apia')
    expect(w.day).toBe('2011-12-29')
    expect(w.resetsAt.toISOString()).toBe('2011-12-30T10:00:00.000Z')
    expect(quotaWindow(w.resetsAt, 'Pacific/Apia').day).toBe('2011-12-31')
  })

  it('gives the same answer when the clock moves backwards across cached days', () => {
    const later = quotaWindow(at('2026-11-28T12:00:00Z'), 'UTC')
    const earlier = quotaWindow(at('2026-11-27T12:00:00Z'), 'UTC')
    expect(later.day).toBe('2026-11-28')
    expect(earlier.day).toBe('2026-11-27')
    expect(earlier.resetsAt.toISOString()).toBe('2026-11-28T00:00:00.000Z')
  })

  it('computes UTC and its aliases without Intl, agreeing with the Intl path of a zone that is always UTC', () => {
    // Africa/Abidjan is UTC all year but goes through Intl; the UTC names take the direct path.
    let ms = Date.UTC(1969, 11, 31, 23, 59, 59, 999)
    const days = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const expected = quotaWindow(new Date(ms), 'Africa/Abidjan')
      for (const name of ['UTC', 'Etc/UTC', 'gmt']) {
        const w = quotaWindow(new Date(ms), name)
        expect(w.day).toBe(expected.day)
        expect(w.resetsAt.getTime()).toBe(expected.resetsAt.getTime())
        expect(w.secondsToReset).toBe(expected.secondsToReset)
        days.add(w.day)
      }
      ms += 1 + Math.floor(((i * 7919) % 97) * 3_600_000 * 0.37)
    }
    // The answers went through many day changes (so the cache was refilled many times).
    expect(days.size).toBeGreaterThan(100)
  })

  it('throws a readable error for an unknown time zone', () => {
    expect(() => quotaWindow(new Date(), 'Mars/Olympus_Mons')).toThrow('unknown time zone "Mars/Olympus_Mons"')
  })
})
