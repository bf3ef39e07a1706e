import { describe, expect, it } from 'bun:test'
import { createAttemptLimiter } from './attempt-limiter'

describe('attempt limiter', () => {
  it('lets `limit` attempts per key through per window, then says when to come back', () => {
    let t = 0
    const limiter = createAttemptLimiter({ limit: 3, windowMs: 60_000, now: () => t })
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true])
    t = 15_000
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 45 })
    expect(limiter.take('b').allowed).toBe(true)
    t = 60_000
    expect(limiter.take('a').allowed).toBe(true)
  })

  it('stays bounded under a flood of distinct keys', () => {
    const limiter = createAttemptLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100, now: () => 0 })
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`)
    // The newest keys are still limited; the oldest were dropped to make room.
    expect(limiter.take('k9999').allowed).toBe(false)
    expect(limiter.take('k0').allowed).toBe(true)
  })
})
