import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose'
import { GatewayError } from '../errors/gateway-error'
import { startLocalIdp, type LocalIdp } from '../../test/helpers/local-idp'
import { createKeycloakVerifier, type KeycloakVerifierOptions } from './keycloak-verifier'

const tierMap = { 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise' }

let idp: LocalIdp
let otherIdp: LocalIdp

beforeAll(async () => {
  idp = await startLocalIdp({ extraAlgs: ['ES256', 'EdDSA', 'PS256'] })
  otherIdp = await startLocalIdp({ realm: 'other' })
})
afterAll(async () => {
  await idp.stop()
  await otherIdp.stop()
})

function verifier(overrides: Partial<KeycloakVerifierOptions> = {}) {
  return createKeycloakVerifier({ issuer: idp.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway', ...overrides })
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    return error as GatewayError
  }
  throw new Error('expected a rejection')
}

async function expect401(promise: Promise<unknown>, reason?: RegExp): Promise<void> {
  const error = await rejection(promise)
  expect(error.status).toBe(401)
  expect(error.type).toBe('authentication_error')
  if (reason) expect(error.message).toMatch(reason)
}

describe('createKeycloakVerifier (stand-in OIDC provider; the real Keycloak is in test/keycloak.test.ts)', () => {
  it('maps a valid token to user = sub, name = preferred_username and its tier', async () => {
    const token = await idp.sign({ sub: 'u-42', preferred_username: 'bob', realm_access: { roles: ['tier-pro', 'offline_access'] } })
    const identity = await verifier().verify(token)
    expect(identity).toMatchObject({ user: 'u-42', name: 'bob', tier: 'pro', source: 'keycloak' })
    expect(identity.roles).toContain('tier-pro')
  })

  it('picks the highest mapped tier when several roles map', async () => {
    const token = await idp.sign({ realm_access: { roles: ['tier-free', 'tier-enterprise', 'tier-pro'] } })
    expect((await verifier().verify(token)).tier).toBe('enterprise')
  })

  it('gives the default tier when no claim value maps', async () => {
    const token = await idp.sign({ realm_access: { roles: ['offline_access'] } })
    expect((await verifier({ defaultTier: 'free' }).verify(token)).tier).toBe('free')
    const noClaim = await idp.sign({})
    expect((await verifier({ defaultTier: 'pro' }).verify(noClaim)).tier).toBe('pro')
  })

  it('reads the tier from groups, client roles or a plain attribute', async () => {
    const token = await idp.sign({
      groups: ['/tier-pro'],
      resource_access: { 'my.gateway': { roles: ['tier-enterprise'] } },
      plan: 'tier-pro',
    })
    expect((await verifier({ tierClaim: 'groups', tierMap: { '/tier-pro': 'pro' } }).verify(token)).tier).toBe('pro')
    expect((await verifier({ tierClaim: 'resource_access.my.gateway.roles' }).verify(token)).tier).toBe('enterprise')
    expect((await verifier({ tierClaim: 'plan' }).verify(token)).tier).toBe('pro')
  })

  it('accepts ES256, EdDSA and PS256 signatures from the key set', async () => {
    for (const kid of ['extra-0-ES256', 'extra-1-EdDSA', 'extra-2-PS256']) {
      const token = await idp.sign({ sub: kid }, { kid })
      expect((await verifier().verify(token)).user).toBe(kid)
    }
  })

  it('refuses alg none', async () => {
    const token = new UnsecuredJWT({ iss: idp.issuer, sub: 'x', typ: 'Bearer' }).setIssuedAt().setExpirationTime('5m').encode()
    await expect401(verifier().verify(token), /algorithm/)
  })

  it('refuses HS256 even when signed with the public key material as secret', async () => {
    const jwks = (await (await fetch(`${idp.issuer}/protocol/openid-connect/certs`)).json()) as { keys: { n?: string }[] }
    const secret = new TextEncoder().encode(jwks.keys[0]?.n ?? 'x')
    const token = await new SignJWT({ iss: idp.issuer, sub: 'x', typ: 'Bearer' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret)
    await expect401(verifier().verify(token), /algorithm/)
  })

  it('refuses a token from another issuer', async () => {
    await expect401(verifier().verify(await otherIdp.sign({})))
  })

  it('refuses a token whose iss claim names another issuer', async () => {
    await expect401(verifier().verify(await idp.sign({ iss: otherIdp.issuer })), /issuer/)
  })

  it('refuses a token signed by a key outside the key set', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    await expect401(verifier().verify(await idp.sign({}, { key: privateKey })), /signature/)
  })

  it('refuses a tampered payload', async () => {
    const token = await idp.sign({ realm_access: { roles: ['tier-free'] } })
    const [h, , s] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ iss: idp.issuer, sub: 'user-1', typ: 'Bearer', exp: 9999999999, realm_access: { roles: ['tier-enterprise'] } })).toString('base64url')
    await expect401(verifier().verify(`${h}.${forged}.${s}`), /signature/)
  })

  it('refuses garbage segments with a 401, never another error', async () => {
    for (const token of ['eyJ.eyJ.x', 'eyJhbGciOiJSUzI1NiJ9.!!!.abc', 'eyJhbGciOiJSUzI1NiJ9.e30.', 'a.b.c', 'eyJub3QganNvbg.e30.e30']) {
      await expect401(verifier().verify(token))
    }
  })

  it('refuses an expired token beyond the leeway and accepts one inside it', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expect401(verifier({ clockToleranceSec: 30 }).verify(await idp.sign({ exp: now - 60 })), /expired/)
    expect((await verifier({ clockToleranceSec: 30 }).verify(await idp.sign({ exp: now - 10 }))).user).toBe('user-1')
  })

  it('refuses a token that is not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expect401(verifier().verify(await idp.sign({ nbf: now + 600 })), /not yet valid/)
  })

  it('refuses a token without exp', async () => {
    await expect401(verifier().verify(await idp.sign({}, { expiresIn: null })), /exp/)
  })

  it('refuses an ID token (typ ID) and a token without sub', async () => {
    await expect401(verifier().verify(await idp.sign({ typ: 'ID' })), /access token/)
    await expect401(verifier().verify(await idp.sign({ sub: undefined })), /subject/)
  })

  it('checks the audience when set, accepting it in aud or azp', async () => {
    const v = verifier({ audience: 'llm-gateway' })
    expect((await v.verify(await idp.sign({ aud: ['account', 'llm-gateway'] }))).user).toBe('user-1')
    expect((await v.verify(await idp.sign({ aud: 'account', azp: 'llm-gateway' }))).user).toBe('user-1')
    await expect401(v.verify(await idp.sign({ aud: 'account', azp: 'other-client' })), /audience/)
  })

  it('accepts the clients (azp) of its allow-list, and is never built to accept any client of the realm', async () => {
    const v = verifier({ audience: undefined, clients: ['claude-code', 'codex'] })
    expect((await v.verify(await idp.sign({ aud: 'account', azp: 'codex' }))).user).toBe('user-1')
    await expect401(v.verify(await idp.sign({ aud: 'account', azp: 'llm-gateway' })), /audience/)
    expect(() => verifier({ audience: undefined })).toThrow(/audience or a list of clients/)
  })

  it('is never built on an http issuer off a loopback address', () => {
    expect(() => verifier({ issuer: 'http://keycloak.example/realms/acme' })).toThrow(/https/)
  })

  it('takes admin roles from the realm roles only: a value of another tier claim never grants admin', async () => {
    const token = await idp.sign({ groups: ['gateway-admin', '/tier-pro'], realm_access: { roles: ['offline_access'] } })
    const identity = await verifier({ tierClaim: 'groups', tierMap: { '/tier-pro': 'pro' } }).verify(token)
    expect(identity.tier).toBe('pro')
    expect(identity.roles).not.toContain('gateway-admin')
  })

  it('never echoes the token in its error message', async () => {
    const token = await otherIdp.sign({})
    const error = await rejection(verifier().verify(token))
    for (const part of token.split('.')) expect(error.message).not.toContain(part)
  })

  it('caches verified tokens until they expire', async () => {
    let now = Date.now()
    const v = verifier({ now: () => now, clockToleranceSec: 0 })
    const token = await idp.sign({}, { expiresIn: '60s' })
    const before = idp.jwksFetches
    await v.verify(token)
    idp.down = true
    try {
      // Served from the token cache: no key lookup at all, even with the provider down.
      expect((await v.verify(token)).user).toBe('user-1')
      now += 61_000
      await expect401(v.verify(token), /expired/)
    } finally {
      idp.down = false
    }
    expect(idp.jwksFetches).toBe(before + 1)
  })

  it('accepts tokens signed with a rotated key without restart, refetching after the cooldown', async () => {
    const rotating = await startLocalIdp()
    try {
      const v = createKeycloakVerifier({ issuer: rotating.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway', jwksCooldownMs: 100 })
      await v.verify(await rotating.sign({ sub: 'before' }))
      await rotating.rotate(true)
      await Bun.sleep(150)
      expect((await v.verify(await rotating.sign({ sub: 'after' }))).user).toBe('after')
    } finally {
      await rotating.stop()
    }
  })

  it('accepts a token signed with a new key right after a key set was fetched: it waits for the next refetch instead of a 401', async () => {
    const rotating = await startLocalIdp()
    try {
      // The default refetch interval: once 30 s of refusals after every rotation.
      const v = createKeycloakVerifier({ issuer: rotating.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway' })
      await v.verify(await rotating.sign({ sub: 'before' }))
      await rotating.rotate(false)
      const started = performance.now()
      expect((await v.verify(await rotating.sign({ sub: 'after' }))).user).toBe('after')
      expect(performance.now() - started).toBeLessThan(5_000)
    } finally {
      await rotating.stop()
    }
  })

  it('refetches the key set at most once per interval for forged kids, and refuses a kid it found absent at once', async () => {
    const forging = await startLocalIdp()
    try {
      const v = createKeycloakVerifier({ issuer: forging.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway', jwksCooldownMs: 300 })
      await v.verify(await forging.sign({}))
      const fetchesBefore = forging.jwksFetches
      const { privateKey } = await generateKeyPair('RS256')
      const forged = await Promise.all(Array.from({ length: 40 }, (_, i) => forging.sign({}, { key: privateKey, kid: `forged-${i}`, header: { kid: `forged-${i}` } })))
      await Promise.all(forged.map((t) => expect401(v.verify(t), /unknown key/)))
      expect(forging.jwksFetches - fetchesBefore).toBeLessThanOrEqual(2)
      const again = performance.now()
      await expect401(v.verify(forged[0]!), /unknown key/)
      expect(performance.now() - again).toBeLessThan(100)
    } finally {
      await forging.stop()
    }
  })

  it('answers 503 when the provider is down and no keys were ever fetched', async () => {
    const down = await startLocalIdp()
    down.down = true
    try {
      const v = createKeycloakVerifier({ issuer: down.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway' })
      const error = await rejection(v.verify(await down.sign({})))
      expect(error.status).toBe(503)
      expect(error.message).toBe('identity provider unavailable')
    } finally {
      await down.stop()
    }
  })

  it('answers 503 when the provider is unreachable', async () => {
    const gone = await startLocalIdp()
    const token = await gone.sign({})
    await gone.stop()
    const v = createKeycloakVerifier({ issuer: gone.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway', timeoutMs: 1000 })
    expect((await rejection(v.verify(token))).status).toBe(503)
  })

  it('keeps verifying with cached keys while the JWKS endpoint is down', async () => {
    const flaky = await startLocalIdp()
    try {
      let now = Date.now()
      const v = createKeycloakVerifier({ issuer: flaky.issuer, tierMap, defaultTier: 'free', audience: 'llm-gateway', jwksMaxAgeMs: 1_000, jwksCooldownMs: 0, now: () => now })
      await v.verify(await flaky.sign({ sub: 'first' }))
      flaky.down = true
      now += 5_000 // the key set is stale now, so jose tries (and fails) to refetch it
      expect((await v.verify(await flaky.sign({ sub: 'second' }))).user).toBe('second')
      // An unknown kid cannot be fetched: a clean 401, not a 503.
      await expect401(v.verify(await flaky.sign({}, { key: (await generateKeyPair('RS256')).privateKey, kid: 'unknown' })))
    } finally {
      await flaky.stop()
    }
  })
})
