import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { keycloakAdminCheck } from '../../auth/admin-check'
import { createAuthenticator } from '../../auth/create-authenticator'
import type { Identity } from '../../auth/identity'
import type { KeyStore } from '../../auth/key-store'
import { createSqliteKeyStore } from '../../stores/sqlite/sqlite-key-store'
import { isGatewayError } from '../../errors/gateway-error'
import { renderErrorBody } from '../../protocol/render-error'
import { adminKeysRoutes } from './admin-keys-routes'

const ADMIN_KEY = 'admin-secret-for-tests'
let keyStore: KeyStore

beforeEach(() => {
  keyStore = createSqliteKeyStore({ path: ':memory:' })
})
afterEach(async () => {
  await keyStore.close()
})

function app(options: { isAdmin?: (identity: Identity) => boolean; authenticate?: (h: Headers) => Promise<Identity> } = {}) {
  const auth = createAuthenticator({ providers: ['keys'], keyStore, staticKeys: [{ key: 'sk-dev-user', user: 'u', tier: 'pro' }] })
  return new Elysia()
    .onError(({ code, error, set }) => {
      // Stand-in for the gateway's error plugin: invalid fields are a 400, GatewayErrors keep their status.
      if (code === 'VALIDATION') {
        set.status = 400
        return { error: { message: 'invalid request', type: 'invalid_request_error', param: null, code: null } }
      }
      if (isGatewayError(error)) {
        set.status = error.status
        return new Response(renderErrorBody(error, 'openai'), { status: error.status, headers: { 'content-type': 'application/json' } })
      }
    })
    .use(adminKeysRoutes({ keyStore, adminKey: ADMIN_KEY, authenticate: options.authenticate ?? auth.authenticate, tiers: ['free', 'pro', 'enterprise'], isAdmin: options.isAdmin ?? keycloakAdminCheck('gateway-admin') }))
}

function request(path: string, init: { method?: string; key?: string; body?: unknown } = {}): Request {
  const headers = new Headers()
  if (init.key !== undefined) headers.set('authorization', `Bearer ${init.key}`)
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  return new Request(`http://gateway${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  })
}

describe('adminKeysRoutes', () => {
  it('creates a key with the admin key, returns it once, and lists it without the key', async () => {
    const a = app()
    const created = await a.handle(request('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { user: 'alice', tier: 'pro', name: 'ci' } }))
    expect(created.status).toBe(201)
    expect(created.headers.get('cache-control')).toBe('no-store')
    const body = (await created.json()) as { id: string; key: string; user: string }
    expect(body.key.startsWith('sk-gw-')).toBe(true)
    expect(body.user).toBe('alice')

    const listed = await a.handle(request('/admin/keys', { key: ADMIN_KEY }))
    expect(listed.status).toBe(200)
    const text = await listed.text()
    expect(text).toContain(body.id)
    expect(text).not.toContain(body.key)
  })

  it('revokes a key by id, and 404s for an unknown id', async () => {
    const a = app()
    const { id } = await keyStore.create({ user: 'bob', tier: 'free' })
    const revoked = await a.handle(request(`/admin/keys/${id}`, { method: 'DELETE', key: ADMIN_KEY }))
    expect(revoked.status).toBe(200)
    expect(await revoked.json()).toEqual({ id, revoked: true })
    expect((await keyStore.list())[0]?.revokedAt).toBeString()
    const missing = await a.handle(request('/admin/keys/key_nope', { method: 'DELETE', key: ADMIN_KEY }))
    expect(missing.status).toBe(404)
  })

  it('answers 401 without a credential and 403 for a valid non-admin credential', async () => {
    const a = app()
    expect((await a.handle(request('/admin/keys'))).status).toBe(401)
    expect((await a.handle(request('/admin/keys', { key: 'wrong-admin-key' }))).status).toBe(401)
    expect((await a.handle(request('/admin/keys', { key: 'sk-dev-user' }))).status).toBe(403)
  })

  it('lets in an identity that isAdmin accepts, e.g. a Keycloak admin role', async () => {
    const a = app({
      authenticate: async () => ({ user: 'root', tier: 'pro', source: 'keycloak', roles: ['gateway-admin'] }),
    })
    expect((await a.handle(request('/admin/keys', { key: 'eyJ.a.b' }))).status).toBe(200)
    const b = app({ authenticate: async () => ({ user: 'joe', tier: 'pro', source: 'keycloak', roles: ['tier-pro'] }) })
    expect((await b.handle(request('/admin/keys', { key: 'eyJ.a.b' }))).status).toBe(403)
  })

  it("refuses a key for a user in the namespace of Keycloak users: it would spend someone's Keycloak quota", async () => {
    const refused = await app().handle(request('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { user: 'keycloak:f81d4fae', tier: 'pro' } }))
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: { param: 'user' } })
  })

  it('refuses an unknown tier and a body without user', async () => {
    const a = app()
    expect((await a.handle(request('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { user: 'x', tier: 'platinum' } }))).status).toBe(400)
    expect((await a.handle(request('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { tier: 'pro' } }))).status).toBe(400)
    // A blank user is the caller's mistake (400), not a key store outage (503).
    const blank = await a.handle(request('/admin/keys', { method: 'POST', key: ADMIN_KEY, body: { user: '   ', tier: 'pro' } }))
    expect(blank.status).toBe(400)
    expect(await blank.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'user' } })
  })
})
