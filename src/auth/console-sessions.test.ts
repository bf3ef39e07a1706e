import { describe, expect, it } from 'bun:test'
import { createConsoleSessions } from './console-sessions'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import type { SessionRecord, SessionStore } from './session-store'

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
