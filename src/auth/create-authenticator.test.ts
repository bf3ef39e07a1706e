import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { GatewayError } from '../errors/gateway-error'
import { startLocalIdp, type LocalIdp } from '../../test/helpers/local-idp'
import { createAuthenticator } from './create-authenticator'
import { createSqliteKeyStore } from '../stores/sqlite/sqlite-key-store'
import type { KeyStore } from './key-store'

let idp: LocalIdp
let keyStore: KeyStore
beforeAll(async () => {
  idp = await startLocalIdp()
  keyStore = createSqliteKeyStore({ path: ':memory:' })
})
afterAll(async () => {
  await idp.stop()
  await keyStore.close()
})

const keycloak = () => ({ issuer: idp.issuer, tierMap: { 'tier-pro': 'pro' }, defaultTier: 'free', audience: 'llm-gateway' })
const bearer = (value: string) => new Headers({ authorization: `Bearer ${value}` })

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise
    return 200
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    return (error as GatewayError).status
  }
}

describe('createAuthenticator (stand-in OIDC provider for JWTs)', () => {
  it('accepts static keys, gateway keys and Keycloak tokens when both providers are on', async () => {
    const auth = createAuthenticator({
      providers: ['keys', 'keycloak'],
      staticKeys: [{ key: 'sk-dev-alice', user: 'alice', tier: 'pro' }],
      keyStore,
      keycloak: keycloak(),
    })
    const created = await keyStore.create({ user: 'bob', tier: 'enterprise' })
    expect(await auth.authenticate(new Headers({ 'x-api-key': 'sk-dev-alice' }))).toMatchObject({ user: 'alice', source: 'static-key' })
    expect(await auth.authenticate(bearer(created.key))).toMatchObject({ user: 'bob', tier: 'enterprise', source: 'gateway-key' })
    const token = await idp.sign({ sub: 'kc-user', realm_access: { roles: ['tier-pro'] } })
    expect(await auth.authenticate(bearer(token))).toMatchObject({ user: 'kc-user', tier: 'pro', source: 'keycloak' })
  })

  it('answers 401 for a missing, unknown or revoked credential', async () => {
    const auth = createAuthenticator({ providers: ['keys'], keyStore, keyCache: { cacheTtlMs: 0 } })
    const created = await keyStore.create({ user: 'carol', tier: 'free' })
    expect(await status(auth.authenticate(new Headers()))).toBe(401)
    expect(await status(auth.authenticate(bearer('sk-gw-nope')))).toBe(401)
    expect(await status(auth.authenticate(bearer(created.key)))).toBe(200)
    await keyStore.revoke(created.id)
    expect(await status(auth.authenticate(bearer(created.key)))).toBe(401)
  })

  it('refuses JWTs when only keys are on, and keys when only Keycloak is on', async () => {
    const keysOnly = createAuthenticator({ providers: ['keys'], staticKeys: [{ key: 'sk-dev-a', user: 'a', tier: 'free' }] })
    expect(await status(keysOnly.authenticate(bearer(await idp.sign({}))))).toBe(401)
    const keycloakOnly = createAuthenticator({ providers: ['keycloak'], staticKeys: [{ key: 'sk-dev-a', user: 'a', tier: 'free' }], keycloak: keycloak() })
    expect(await status(keycloakOnly.authenticate(bearer('sk-dev-a')))).toBe(401)
  })

  it('answers 401, never 500, for malformed headers and a JWT with garbage segments', async () => {
    const auth = createAuthenticator({ providers: ['keys', 'keycloak'], keycloak: keycloak() })
    for (const headers of [
      new Headers({ authorization: 'Bearer' }),
      new Headers({ authorization: 'Basic Zm9vOmJhcg==' }),
      new Headers({ authorization: `Bearer ${'x'.repeat(64 * 1024)}` }),
      bearer('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOi.garbage'),
      bearer('eyJ!!.x.y'),
    ]) {
      expect(await status(auth.authenticate(headers))).toBe(401)
    }
  })

  it('refuses to build without a provider or without Keycloak settings', () => {
    expect(() => createAuthenticator({ providers: [] })).toThrow()
    expect(() => createAuthenticator({ providers: ['keycloak'] })).toThrow()
  })
})
