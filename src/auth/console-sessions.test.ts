import { describe, expect, it } from 'bun:test'
import { createConsoleSessions } from './console-sessions'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import type { KeycloakGrant, RenewKeycloakGrant } from './keycloak-grant'
import { GatewayError } from '../errors/gateway-error'
import type { KeycloakSessionRecord, SessionRecord, SessionStore } from './session-store'

function memoryStore(): SessionStore & { records: Map<string, SessionRecord> } {
  const records = new Map<string, SessionRecord>()
  return {
    records,
    put: async (id, r) => void records.set(id, r),
    get: async (id) => records.get(id) ?? null,
    delete: async (id) => void records.delete(id),
    close: async () => {},
  }
}

const ann: Identity = { user: 'ann', tier: 'pro', source: 'gateway-key', keyId: 'key_1' }

describe('console sessions', () => {
  it('opens a session for a valid key, stores only hashes, and refuses an unknown key', async () => {
    const store = memoryStore()
    const valid = new Set([hashCredential('sk-gw-good')])
    const sessions = createConsoleSessions({ store, adminKey: null, identityOfKeyHash: async (h) => (valid.has(h) ? ann : null) })
    expect(await sessions.open('sk-gw-bad', () => false)).toBeNull()
    const opened = (await sessions.open('sk-gw-good', () => false))!
    expect(opened.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [idHash, record] = [...store.records][0]!
    expect(idHash).toBe(hashCredential(opened.id))
    expect(JSON.stringify(record)).not.toContain('sk-gw-good')
    expect(JSON.stringify(record)).not.toContain(opened.id)
    expect((await sessions.resolve(opened.id, () => false))?.identity?.user).toBe('ann')
    // The key is revoked: the session ends with it.
    valid.clear()
    expect(await sessions.resolve(opened.id, () => false)).toBeNull()
    expect(store.records.size).toBe(0)
  })

  it('signs the admin key in as an admin without a user, and ends that session when the admin key changes', async () => {
    const store = memoryStore()
    const opened = (await createConsoleSessions({ store, adminKey: 'admin-1', identityOfKeyHash: async () => null }).open('admin-1', () => false))!
    expect(opened.session).toMatchObject({ admin: true, identity: null, method: 'admin-key' })
    const rotated = createConsoleSessions({ store, adminKey: 'admin-2', identityOfKeyHash: async () => null })
    expect(await rotated.resolve(opened.id, () => false)).toBeNull()
  })

  it('ends a session at its expiry and on sign-out, and ignores malformed ids', async () => {
    let now = 1_000_000
    const store = memoryStore()
    const sessions = createConsoleSessions({ store, adminKey: null, ttlSeconds: 60, now: () => now, identityOfKeyHash: async () => ann })
    const a = (await sessions.open('k', () => false))!
    const b = (await sessions.open('k', () => false))!
    expect(a.session.csrfToken).not.toBe(b.session.csrfToken)
    await sessions.end(b.id)
    expect(await sessions.resolve(b.id, () => false)).toBeNull()
    now += 61_000
    expect(await sessions.resolve(a.id, () => false)).toBeNull()
    expect(await sessions.resolve('../../etc/passwd', () => false)).toBeNull()
  })
})

describe('console sessions opened through Keycloak', () => {
  const bob = (tier: string, roles: string[] = []): Identity => ({ user: 'sub-bob', name: 'bob', tier, source: 'keycloak', roles })
  const grant = (identity: Identity, n: number, refreshExpiresInS: number | null = 1800): KeycloakGrant => ({ identity, sealedRefresh: `sealed-${n}`, refreshExpiresInS })
  const isAdmin = (i: Identity) => (i.roles ?? []).includes('gateway-admin')

  function setup(answer: () => Awaited<ReturnType<RenewKeycloakGrant>>) {
    let now = 1_000_000
    const store = memoryStore()
    const calls: string[] = []
    const renew: RenewKeycloakGrant = async ({ sealedRefresh, user }) => {
      calls.push(`${user}:${sealedRefresh}`)
      await Bun.sleep(5)
      return answer()
    }
    const make = (keycloak: boolean) =>
      createConsoleSessions({ store, adminKey: null, identityOfKeyHash: async () => null, keycloak: keycloak ? { renew, recheckMs: 300_000 } : null, now: () => now })
    return { store, calls, sessions: make(true), withoutKeycloak: make(false), advance: (ms: number) => (now += ms), at: () => now }
  }

  it("trusts Keycloak's answer for console_recheck_s, then asks again once for parallel requests and takes the new tier and roles", async () => {
    let renewed = grant(bob('enterprise', ['gateway-admin']), 2)
    const t = setup(() => ({ ok: true, grant: renewed }))
    const opened = await t.sessions.openKeycloak(grant(bob('pro'), 1), isAdmin)
    expect(opened.session).toMatchObject({ method: 'keycloak', admin: false, identity: { user: 'sub-bob', tier: 'pro', source: 'keycloak' } })
    const [, stored] = [...t.store.records][0]!
    // Keycloak's refresh token is kept only sealed, and the session as long as Keycloak's refresh token.
    expect(stored).toMatchObject({ method: 'keycloak', sealedRefresh: 'sealed-1', expiresAt: t.at() + 1_800_000 })
    t.advance(299_000)
    expect((await t.sessions.resolve(opened.id, isAdmin))?.identity?.tier).toBe('pro')
    expect(t.calls).toEqual([])
    t.advance(1_000)
    const views = await Promise.all([1, 2, 3, 4].map(() => t.sessions.resolve(opened.id, isAdmin)))
    expect(t.calls).toEqual(['sub-bob:sealed-1'])
    expect(views.map((v) => [v?.identity?.tier, v?.admin])).toEqual(Array(4).fill(['enterprise', true]))
    expect([...t.store.records.values()][0]).toMatchObject({ sealedRefresh: 'sealed-2', checkedAt: t.at(), expiresAt: t.at() + 1_800_000 })
    // The next question to Keycloak uses the refresh token it gave last.
    renewed = grant(bob('pro'), 3)
    t.advance(300_000)
    expect((await t.sessions.resolve(opened.id, isAdmin))?.admin).toBe(false)
    expect(t.calls).toEqual(['sub-bob:sealed-1', 'sub-bob:sealed-2'])
  })

  it('ends the session when Keycloak refuses (user disabled, signed out, token revoked)', async () => {
    const t = setup(() => ({ ok: false, kind: 'invalid_grant', reason: 'Account disabled' }))
    const opened = await t.sessions.openKeycloak(grant(bob('pro'), 1), isAdmin)
    t.advance(300_000)
    expect(await t.sessions.resolve(opened.id, isAdmin)).toBeNull()
    expect(t.store.records.size).toBe(0)
  })

  it('answers 503 and keeps the session while Keycloak cannot be reached, and goes on once it can', async () => {
    let up = false
    const t = setup(() => (up ? { ok: true, grant: grant(bob('pro'), 2) } : { ok: false, kind: 'unavailable', reason: 'connection refused' }))
    const opened = await t.sessions.openKeycloak(grant(bob('pro'), 1), isAdmin)
    t.advance(300_000)
    const refused = await t.sessions.resolve(opened.id, isAdmin).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(GatewayError)
    expect((refused as GatewayError).status).toBe(503)
    expect(t.store.records.size).toBe(1)
    up = true
    expect((await t.sessions.resolve(opened.id, isAdmin))?.identity?.user).toBe('sub-bob')
  })

  it('keeps a session another replica renewed while this one was refused its old refresh token', async () => {
    const t = setup(() => {
      // While this replica asked Keycloak, another renewed the session (and Keycloak rotated the token).
      const [idHash, record] = [...t.store.records][0]!
      t.store.records.set(idHash, { ...(record as KeycloakSessionRecord), sealedRefresh: 'sealed-other', checkedAt: t.at() })
      return { ok: false, kind: 'invalid_grant', reason: 'Stale token' }
    })
    const opened = await t.sessions.openKeycloak(grant(bob('pro'), 1), isAdmin)
    t.advance(300_000)
    expect((await t.sessions.resolve(opened.id, isAdmin))?.identity?.user).toBe('sub-bob')
    expect([...t.store.records.values()][0]).toMatchObject({ sealedRefresh: 'sealed-other' })
  })

  it("caps the session at the console's lifetime, and ends it once sign-in through Keycloak is turned off", async () => {
    const t = setup(() => ({ ok: true, grant: grant(bob('pro'), 2) }))
    const offline = await t.sessions.openKeycloak(grant(bob('pro'), 1, null), isAdmin)
    expect(offline.session.expiresAt).toBe(t.at() + 12 * 3600_000)
    expect(await t.withoutKeycloak.resolve(offline.id, isAdmin)).toBeNull()
    expect(t.store.records.size).toBe(0)
  })
})
