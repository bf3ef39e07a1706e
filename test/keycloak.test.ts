// Integration: the Keycloak verifier against a REAL Keycloak (keycloak-quarkus-dist from Maven
// Central, started in dev mode by test/helpers/keycloak.ts) with realms imported from
// test/fixtures/keycloak (the helper installs Java 21+ and Keycloak when they are missing).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { decodeProtectedHeader } from 'jose'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuthenticator } from '../src/auth/create-authenticator'
import { createKeycloakVerifier, type KeycloakVerifier, type KeycloakVerifierOptions } from '../src/auth/keycloak-verifier'
import { keycloakAdminCheck } from '../src/auth/admin-check'
import { GatewayError } from '../src/errors/gateway-error'
import { buildTestApp, testConfig } from './helpers/gateway'
import { startKeycloak, type RunningKeycloak } from './helpers/keycloak'

const FIXTURES = join(import.meta.dir, 'fixtures/keycloak')
const tierMap = { 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise' }

let kc: RunningKeycloak
let verifier: KeycloakVerifier

function verifierOptions(overrides: Partial<KeycloakVerifierOptions> = {}): KeycloakVerifierOptions {
  return {
    issuer: kc.issuer('gateway'),
    audience: 'llm-gateway',
    tierMap,
    defaultTier: 'free',
    // Short so the rotation test need not wait out the default 30 s cooldown.
    jwksCooldownMs: 1_000,
    ...overrides,
  }
}

async function passwordToken(realm: string, username: string, client = { id: 'llm-gateway', secret: realm === 'gateway' ? 'gateway-test-secret' : 'other-test-secret' }): Promise<string> {
  return token(realm, { grant_type: 'password', client_id: client.id, client_secret: client.secret, username, password: `${username}-password`, scope: 'openid' })
}

async function token(realm: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(`${kc.issuer(realm)}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) })
  const body = (await response.json()) as { access_token?: string; error?: string }
  if (!response.ok || !body.access_token) throw new Error(`token request failed: ${response.status} ${body.error}`)
  return body.access_token
}

const admin = (path: string, init: RequestInit = {}) => kc.admin(path, init)

async function expect401(promise: Promise<unknown>, reason?: RegExp): Promise<void> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(401)
    if (reason) expect((error as GatewayError).message).toMatch(reason)
    return
  }
  throw new Error('expected a 401')
}

describe('Keycloak integration', () => {
  beforeAll(async () => {
    kc = await startKeycloak([join(FIXTURES, 'gateway-realm.json'), join(FIXTURES, 'other-realm.json')], { timeoutMs: 240_000 })
    process.stderr.write(`keycloak ready in ${(kc.startupMs / 1000).toFixed(1)} s\n`)
    verifier = createKeycloakVerifier(verifierOptions())
  }, 300_000)

  afterAll(async () => {
    await kc?.stop()
  }, 60_000)

  it('gives users holding tier roles their tiers, the highest one when several map', async () => {
    for (const [user, tier] of [['alice', 'free'], ['bob', 'pro'], ['carol', 'enterprise'], ['erin', 'enterprise']] as const) {
      const identity = await verifier.verify(await passwordToken('gateway', user))
      expect(identity).toMatchObject({ tier, name: user, source: 'keycloak' })
      expect(identity.user).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('gives a user with no tier role the default tier', async () => {
    const identity = await verifier.verify(await passwordToken('gateway', 'dave'))
    expect(identity).toMatchObject({ name: 'dave', tier: 'free' })
    const proByDefault = createKeycloakVerifier(verifierOptions({ defaultTier: 'pro' }))
    expect((await proByDefault.verify(await passwordToken('gateway', 'dave'))).tier).toBe('pro')
  })

  it('accepts a client-credentials token and Bearer headers through the authenticator', async () => {
    const auth = createAuthenticator({ providers: ['keys', 'keycloak'], keycloak: verifier })
    const serviceToken = await token('gateway', { grant_type: 'client_credentials', client_id: 'llm-gateway', client_secret: 'gateway-test-secret' })
    const identity = await auth.authenticate(new Headers({ authorization: `Bearer ${serviceToken}` }))
    expect(identity).toMatchObject({ source: 'keycloak', name: 'service-account-llm-gateway', tier: 'free' })
  })

  it('recognises the gateway-admin realm role for the admin API', async () => {
    const isAdmin = keycloakAdminCheck('gateway-admin')
    expect(isAdmin(await verifier.verify(await passwordToken('gateway', 'root')))).toBe(true)
    expect(isAdmin(await verifier.verify(await passwordToken('gateway', 'bob')))).toBe(false)
  })

  it('lets the configured admin_role into the admin API and refuses a token without it with 403', async () => {
    const gateway = (adminRole?: string) =>
      buildTestApp(
        testConfig({
          auth: { providers: ['keys', 'keycloak'], keycloak: { issuer: kc.issuer('gateway'), audience: 'llm-gateway', ...(adminRole ? { admin_role: adminRole } : {}) } },
          backends: { internal: { format: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
          models: { m: { backend: 'internal' } },
        }),
      )
    const listKeys = async (app: ReturnType<typeof gateway>, user: string) => (await app.handle('/admin/keys', { headers: { authorization: `Bearer ${await passwordToken('gateway', user)}` } })).status
    const operators = gateway('llm-operators')
    const byDefault = gateway()
    try {
      expect(await listKeys(operators, 'carol')).toBe(200)
      expect(await listKeys(operators, 'root')).toBe(403)
      expect(await listKeys(byDefault, 'root')).toBe(200)
      expect(await listKeys(byDefault, 'carol')).toBe(403)
    } finally {
      await operators.close()
      await byDefault.close()
    }
  })

  it('apikey-helper.sh prints a token the gateway accepts, by client credentials or refresh token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apikey-helper-'))
    try {
      const run = async (env: Record<string, string>) => {
        const proc = Bun.spawn(['bash', join(import.meta.dir, '../scripts/apikey-helper.sh')], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KEYCLOAK_URL: kc.issuer('gateway'), KEYCLOAK_CLIENT_ID: 'llm-gateway', KEYCLOAK_CLIENT_SECRET: 'gateway-test-secret', ...env },
          stdout: 'pipe',
          stderr: 'pipe',
        })
        const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
        return { out, err, code }
      }
      const cc = await run({ KEYCLOAK_TOKEN_CACHE: 'none' })
      expect(cc.code).toBe(0)
      expect(cc.out.trim().split('\n')).toHaveLength(1)
      expect((await verifier.verify(cc.out.trim())).name).toBe('service-account-llm-gateway')

      const refreshFile = join(dir, 'refresh-token')
      const login = (await (await fetch(`${kc.issuer('gateway')}/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password', client_id: 'llm-gateway', client_secret: 'gateway-test-secret', username: 'bob', password: 'bob-password' }),
      })).json()) as { refresh_token: string }
      writeFileSync(refreshFile, login.refresh_token)
      const cacheFile = join(dir, 'cache/token')
      const refreshed = await run({ KEYCLOAK_REFRESH_TOKEN_FILE: refreshFile, KEYCLOAK_TOKEN_CACHE: cacheFile })
      expect(refreshed.code).toBe(0)
      expect(await verifier.verify(refreshed.out.trim())).toMatchObject({ name: 'bob', tier: 'pro' })
      // The second call reuses the cached token while it has life left.
      const again = await run({ KEYCLOAK_REFRESH_TOKEN_FILE: refreshFile, KEYCLOAK_TOKEN_CACHE: cacheFile })
      expect(again.out).toBe(refreshed.out)

      const refused = await run({ KEYCLOAK_CLIENT_SECRET: 'wrong', KEYCLOAK_TOKEN_CACHE: 'none' })
      expect(refused.code).not.toBe(0)
      expect(refused.out).toBe('')
      expect(refused.err).toContain('unauthorized_client')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a token from another realm with 401', async () => {
    await expect401(verifier.verify(await passwordToken('other', 'mallory')), /issuer/)
  })

  it('refuses a tampered token with 401', async () => {
    const real = await passwordToken('gateway', 'alice')
    const [header, payload, signature] = real.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    claims.realm_access = { roles: ['tier-enterprise'] }
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url')
    await expect401(verifier.verify(`${header}.${forged}.${signature}`), /signature/)
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11)
    await expect401(verifier.verify(`${header}.${payload}.${flipped}`), /signature/)
  })

  it('refuses an expired token with 401', async () => {
    // The `short-lived` client's tokens live 2 s; no leeway here so the test waits only a few seconds.
    const strict = createKeycloakVerifier(verifierOptions({ clockToleranceSec: 0 }))
    const shortToken = await token('gateway', { grant_type: 'client_credentials', client_id: 'short-lived', client_secret: 'short-lived-secret' })
    const payload = JSON.parse(Buffer.from(shortToken.split('.')[1] as string, 'base64url').toString())
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(2)
    await Bun.sleep((payload.exp + 1) * 1000 - Date.now())
    await expect401(strict.verify(shortToken), /expired/)
  }, 15_000)

  it('refuses an alg none token with 401', async () => {
    const real = await passwordToken('gateway', 'carol')
    const payload = real.split('.')[1]
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    await expect401(verifier.verify(`${header}.${payload}.`), /algorithm/)
  })

  it('accepts tokens signed with rotated realm keys without restarting the verifier', async () => {
    const before = await passwordToken('gateway', 'bob')
    const oldKid = decodeProtectedHeader(before).kid
    expect((await verifier.verify(before)).tier).toBe('pro')

    // Rotate through the admin API: a new rsa-generated provider with a higher priority, then the
    // old RS256 providers removed.
    const realm = (await (await admin('/gateway')).json()) as { id: string }
    const providers = (await (await admin('/gateway/components?type=org.keycloak.keys.KeyProvider')).json()) as { id: string; name: string; providerId: string }[]
    const oldRsa = providers.filter((p) => p.providerId === 'rsa-generated')
    expect(oldRsa.length).toBeGreaterThan(0)
    await admin('/gateway/components', {
      method: 'POST',
      body: JSON.stringify({
        name: 'rsa-rotated',
        providerId: 'rsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: realm.id,
        config: { priority: ['500'], enabled: ['true'], active: ['true'], algorithm: ['RS256'], keySize: ['2048'] },
      }),
    })
    for (const provider of oldRsa) await admin(`/gateway/components/${provider.id}`, { method: 'DELETE' })

    await Bun.sleep(1_100) // the verifier's (shortened) refetch cooldown
    const after = await passwordToken('gateway', 'bob')
    expect(decodeProtectedHeader(after).kid).not.toBe(oldKid)
    expect((await verifier.verify(after)).tier).toBe('pro')

    // A verifier that never saw the old key refuses tokens signed with it: the key is gone.
    const fresh = createKeycloakVerifier(verifierOptions())
    await expect401(fresh.verify(before), /unknown key/)
  }, 30_000)
})
