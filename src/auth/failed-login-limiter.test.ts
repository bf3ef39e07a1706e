import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../errors/gateway-error'
import { createSqliteKeyStore } from '../stores/sqlite/sqlite-key-store'
import { createAuthenticator } from './create-authenticator'
import { createFailedLoginLimiter, TOKEN_EXPIRED } from './failed-login-limiter'
import type { KeyStore } from './key-store'

describe('createFailedLoginLimiter', () => {
  it('blocks an address after maxFailures within the window, and forgets it after', () => {
    let t = 0
    const limiter = createFailedLoginLimiter({ maxFailures: 3, windowMs: 10_000, now: () => t })
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('10.0.0.1')).toBe(0)
      limiter.failed('10.0.0.1')
    }
    expect(limiter.blockedFor('10.0.0.1')).toBe(10)
    expect(limiter.blockedFor('10.0.0.2')).toBe(0)
    t = 10_000
    expect(limiter.blockedFor('10.0.0.1')).toBe(0)
  })

  it('remembers a bounded number of addresses', () => {
    const limiter = createFailedLoginLimiter({ maxFailures: 1, maxAddresses: 2 })
    for (const a of ['a', 'b', 'c']) limiter.failed(a)
    expect(limiter.blockedFor('a')).toBe(0)
    expect(limiter.blockedFor('c')).toBeGreaterThan(0)
  })
})

describe('the authenticator with failed logins from one address', () => {
  it('answers 429 for unknown keys from an address that keeps failing, without a store lookup, and still lets known keys in', async () => {
    const inner = createSqliteKeyStore({ path: ':memory:' })
    let lookups = 0
    const keyStore: KeyStore = { ...inner, findByHash: (hash) => (lookups++, inner.findByHash(hash)) }
    const { key } = await inner.create({ user: 'ann', tier: 'pro' })
    const auth = createAuthenticator({ providers: ['keys'], keyStore, failedLogins: createFailedLoginLimiter({ maxFailures: 5 }) })
    const from = (credential: string, address = '203.0.113.9') => auth.authenticate(new Headers({ 'x-api-key': credential }), () => address)
    // Known before the attack: its answer is cached.
    expect((await from(key)).user).toBe('ann')
    for (let i = 0; i < 5; i++) expect(((await from(`sk-gw-made-up-${i}`).catch((e: unknown) => e)) as GatewayError).status).toBe(401)
    const before = lookups
    const refused = (await from('sk-gw-made-up-next').catch((e: unknown) => e)) as GatewayError
    expect(refused.status).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(lookups).toBe(before)
    expect((await from(key)).user).toBe('ann')
    // Another address is not affected.
    expect(((await from('sk-gw-made-up-x', '198.51.100.1').catch((e: unknown) => e)) as GatewayError).status).toBe(401)
    await inner.close()
  })
})

describe('expired tokens and the failed-login limit', () => {
  it('does not count an expired token: behind one NAT many users hold one at once, and none of them is guessing', async () => {
    const expired = { verify: async () => Promise.reject(new GatewayError(401, 'authentication_error', 'token expired', { code: TOKEN_EXPIRED })) }
    const auth = createAuthenticator({ providers: ['keycloak'], keycloak: expired, failedLogins: createFailedLoginLimiter({ maxFailures: 3 }) })
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    for (let i = 0; i < 10; i++) {
      const error = (await auth.authenticate(new Headers({ authorization: `Bearer ${jwt}` }), () => '192.0.2.7').catch((e: unknown) => e)) as GatewayError
      expect(error.status).toBe(401)
    }
  })
})
