import { describe, expect, it } from 'bun:test'
import { EndpointPool } from './endpoint-pool'

const breaker = { failure_threshold: 2, cooldown_ms: 1000 }

describe('EndpointPool', () => {
  it('balances by least outstanding requests, spreading ties round-robin', () => {
    const pool = new EndpointPool(['a', 'b', 'c'], breaker)
    const first = [pool.acquire()!, pool.acquire()!, pool.acquire()!]
    expect(first.map((l) => l.url).sort()).toEqual(['a', 'b', 'c'])
    first[1]!.release()
    // b is now the only endpoint with nothing outstanding.
    expect(pool.acquire()!.url).toBe(first[1]!.url)
  })

  it('opens the circuit after consecutive failures and probes the endpoint once after the cooldown', () => {
    let t = 0
    const pool = new EndpointPool(['a', 'b'], breaker, () => t)
    for (let i = 0; i < 2; i++) {
      const lease = pool.acquire(new Set(['b']))!
      expect(lease.url).toBe('a')
      lease.failed()
      lease.release()
    }
    expect(pool.acquire(new Set(['b']))).toBeNull()
    expect(pool.snapshot().find((s) => s.url === 'a')!.open).toBe(true)
    t = 1000
    const probe = pool.acquire(new Set(['b']))!
    expect(probe.url).toBe('a')
    // Only one probe at a time while half-open.
    expect(pool.acquire(new Set(['b']))).toBeNull()
    probe.succeeded()
    probe.release()
    expect(pool.snapshot().find((s) => s.url === 'a')).toMatchObject({ open: false, failures: 0 })
  })

  it('reopens at once when the half-open probe fails', () => {
    let t = 0
    const pool = new EndpointPool(['a'], breaker, () => t)
    for (let i = 0; i < 2; i++) pool.acquire()!.failed()
    t = 1500
    const probe = pool.acquire()!
    probe.failed()
    probe.release()
    expect(pool.acquire()).toBeNull()
    t = 2500
    expect(pool.acquire()).not.toBeNull()
  })

  it('a success resets the consecutive failure count', () => {
    const pool = new EndpointPool(['a'], breaker)
    pool.acquire()!.failed()
    pool.acquire()!.succeeded()
    pool.acquire()!.failed()
    expect(pool.hasAvailable()).toBe(true)
  })

  it("counts one caller's failures once: one user's failing requests never open the circuit for everyone", () => {
    const pool = new EndpointPool(['a'], { failure_threshold: 3, cooldown_ms: 1000 })
    for (let i = 0; i < 10; i++) {
      const lease = pool.acquire()!
      lease.failed('mallory')
      lease.release()
    }
    expect(pool.hasAvailable()).toBe(true)
    // Several callers failing alike do open it: the endpoint, not one request, is the likely cause.
    for (const caller of ['ann', 'bob']) pool.acquire()!.failed(caller)
    expect(pool.hasAvailable()).toBe(false)
  })

  it("counts every failure of the endpoint's own (no connection, 502/503), whoever asked", () => {
    const pool = new EndpointPool(['a'], { failure_threshold: 3, cooldown_ms: 1000 })
    for (let i = 0; i < 3; i++) pool.acquire()!.failed()
    expect(pool.hasAvailable()).toBe(false)
  })
})
