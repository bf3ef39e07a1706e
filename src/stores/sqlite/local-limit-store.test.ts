import { afterEach, describe, expect, it } from 'bun:test'
import { GatewayError } from '../../errors/gateway-error'
import { createLimitService } from '../../limits/limit-service'
import type { LimitStore } from '../../limits/limit-store'
import type { UserLimits } from '../../limits/user-limits'
import { createLocalLimitStore } from './local-limit-store'

const none: UserLimits = { concurrentRequests: null, requestsPerMinute: null, tokensPerMinute: null }
let t = 1_000_000_000
const stores: LimitStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
})

function service(limits: Partial<UserLimits>) {
  const store = createLocalLimitStore({ now: () => t })
  stores.push(store)
  const svc = createLimitService({ store, onStoreError: 'reject' })
  const all = { ...none, ...limits }
  return { store, admit: (user = 'ann') => svc.admit(user, all) }
}

describe('per-user limits on the embedded store (in memory)', () => {
  it('holds a slot per request in flight until the request finishes', async () => {
    const { admit } = service({ concurrentRequests: 2 })
    const a = await admit()
    const b = await admit()
    const c = await admit()
    expect([a.allowed, b.allowed, c.allowed]).toEqual([true, true, false])
    expect(c).toMatchObject({ deniedBy: 'concurrent_requests', retryAfterSeconds: 1 })
    if (!a.allowed) throw new Error('unreachable')
    a.lease.finish()
    a.lease.finish() // idempotent: frees one slot, not two
    expect((await admit()).allowed).toBe(true)
    expect((await admit()).allowed).toBe(false)
    // Another user has slots of their own.
    expect((await admit('bob')).allowed).toBe(true)
  })

  it('admits at most requests_per_minute in any sixty seconds, and says when the next one passes', async () => {
    const { admit } = service({ requestsPerMinute: 3 })
    for (let i = 0; i < 3; i++) {
      expect((await admit()).allowed).toBe(true)
      t += 10_000
    }
    const refused = await admit()
    expect(refused).toMatchObject({ allowed: false, deniedBy: 'requests_per_minute' })
    // The first request (at 0 s) leaves the window at 60 s; it is 30 s now.
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBe(30)
    t += 30_000
    expect((await admit()).allowed).toBe(true)
  })

  it('refuses once tokens_per_minute are used, and admits again as they age out', async () => {
    const { admit } = service({ tokensPerMinute: 1000 })
    const first = await admit()
    if (!first.allowed) throw new Error('expected admission')
    first.lease.recordTokens(1200)
    expect(await admit()).toMatchObject({ allowed: false, deniedBy: 'tokens_per_minute', retryAfterSeconds: 60 })
    t += 60_000
    expect((await admit()).allowed).toBe(true)
  })

  it('undoes a cancelled admission: its slot and its count in the minute', async () => {
    const { admit } = service({ concurrentRequests: 1, requestsPerMinute: 1 })
    const first = await admit()
    if (!first.allowed) throw new Error('expected admission')
    first.lease.cancel()
    expect((await admit()).allowed).toBe(true)
  })

  it('forgets users with nothing in flight and an empty window', async () => {
    const store = createLocalLimitStore({ now: () => t, sweepIntervalMs: 10 })
    stores.push(store)
    await store.acquire('u1', 's1', { ...none, requestsPerMinute: 5 })
    expect(store.users()).toBe(1)
    t += 61_000
    await Bun.sleep(30)
    expect(store.users()).toBe(0)
  })
})

describe('createLimitService when its store fails', () => {
  const failing: LimitStore = {
    acquire: () => Promise.reject(new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.1:6379')),
    release: async () => {},
    cancel: async () => {},
    addTokens: async () => {},
    close: async () => {},
  }

  it('answers 503 under reject and lets the request through under allow, logging no password', async () => {
    const lines: string[] = []
    const reject = createLimitService({ store: failing, onStoreError: 'reject', log: (_l, msg, f) => lines.push(`${msg} ${JSON.stringify(f)}`) })
    const error = await reject.admit('ann', { ...none, requestsPerMinute: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(503)
    const allow = createLimitService({ store: failing, onStoreError: 'allow' })
    expect((await allow.admit('ann', { ...none, requestsPerMinute: 1 })).allowed).toBe(true)
    expect(lines.join('\n')).not.toContain('hunter2')
  })
})
