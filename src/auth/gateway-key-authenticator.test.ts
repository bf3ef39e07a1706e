import { describe, expect, it } from 'bun:test'
import { createGatewayKeyAuthenticator } from './gateway-key-authenticator'
import { hashCredential } from './hash-credential'
import type { GatewayKeyRecord, KeyStore } from './key-store'

function fakeStore(records: Record<string, GatewayKeyRecord>) {
  const calls: string[] = []
  const store: KeyStore = {
    async create() {
      throw new Error('unused')
    },
    async list() {
      return Object.values(records)
    },
    async get() {
      return null
    },
    async page() {
      return { data: Object.values(records), nextCursor: null }
    },
    async revoke() {
      return false
    },
    async findByHash(hash) {
      calls.push(hash)
      await Bun.sleep(1)
      return records[hash] ?? null
    },
    async close() {},
  }
  return { store, calls, records }
}

const record: GatewayKeyRecord = { id: 'key_1', user: 'alice', tier: 'pro', name: 'laptop', createdAt: '2026-01-01T00:00:00.000Z' }

describe('createGatewayKeyAuthenticator', () => {
  it('maps a stored key to an identity carrying its public id', async () => {
    const { store } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store })
    expect(await auth.authenticate('sk-gw-a')).toEqual({ user: 'alice', tier: 'pro', name: 'laptop', keyId: 'key_1', source: 'gateway-key' })
  })

  it('serves repeated lookups from memory within the TTL, hits and misses alike', async () => {
    const { store, calls } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store, cacheTtlMs: 60_000 })
    for (let i = 0; i < 5; i++) {
      await auth.authenticate('sk-gw-a')
      expect(await auth.authenticate('sk-gw-unknown')).toBeNull()
    }
    expect(calls.length).toBe(2)
  })

  it('shares one store round trip between concurrent lookups of the same key', async () => {
    const { store, calls } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store })
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate('sk-gw-a')))
    expect(results.every((r) => r?.user === 'alice')).toBe(true)
    expect(calls.length).toBe(1)
  })

  it('asks the store again once the TTL has passed, so a revocation shows up', async () => {
    let now = 0
    const { store, records } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store, cacheTtlMs: 3_000, now: () => now })
    expect(await auth.authenticate('sk-gw-a')).not.toBeNull()
    delete records[hashCredential('sk-gw-a')]
    now = 2_000
    expect(await auth.authenticate('sk-gw-a')).not.toBeNull()
    now = 3_001
    expect(await auth.authenticate('sk-gw-a')).toBeNull()
  })

  it('keeps each cache within its bound', async () => {
    const { store, calls } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store, cacheTtlMs: 60_000, maxEntries: 10 })
    await auth.authenticate('sk-gw-a')
    for (let i = 0; i < 50; i++) await auth.authenticate(`sk-gw-random-${i}`)
    // The flood of misses did not evict the real key.
    await auth.authenticate('sk-gw-a')
    expect(calls.filter((h) => h === hashCredential('sk-gw-a')).length).toBe(1)
    // The oldest misses were evicted.
    await auth.authenticate('sk-gw-random-0')
    expect(calls.filter((h) => h === hashCredential('sk-gw-random-0')).length).toBe(2)
  })

  it('drops a cached answer on invalidate', async () => {
    const { store, calls } = fakeStore({ [hashCredential('sk-gw-a')]: record })
    const auth = createGatewayKeyAuthenticator({ keyStore: store, cacheTtlMs: 60_000 })
    await auth.authenticate('sk-gw-a')
    auth.invalidate(hashCredential('sk-gw-a'))
    await auth.authenticate('sk-gw-a')
    expect(calls.length).toBe(2)
  })
})
