// Verifies Keycloak (or any OIDC provider's) access tokens with jose and turns them into an
// Identity. The key set is discovered from `${issuer}/.well-known/openid-configuration` and
// fetched through createRemoteJWKSet. A token signed with a `kid` the key set lacks waits for the
// next refetch (at most one every `jwksCooldownMs`, 2 s by default) instead of being refused, so
// that the first tokens after a realm key rotation pass; a kid still absent from a key set fetched
// after it was first seen is remembered as absent for a minute, so forged kids cost neither a
// refetch each nor a wait each. What is accepted:
//   - signature by a key from the issuer's JWKS, asymmetric algorithms only (never `none`, never HS*);
//   - `iss` exactly equal to the configured issuer (a trailing slash in the config is ignored), over
//     https, or http on a loopback address only (a key set fetched in clear text could be forged);
//   - tokens meant for the gateway: `aud` contains `audience` or `azp` (the client the token was
//     issued to) equals it (Keycloak fills `aud` only through an audience mapper), or `azp` is one
//     of `clients`; one of the two is required, else any client's token in the realm would pass;
//   - `exp` required, `exp`/`nbf` checked with `clockToleranceSec` of leeway; `sub` required;
//   - a `typ` claim, when present, must be `Bearer` (Keycloak ID tokens say `ID`).
// `roles` of the identity are the realm roles only (realm_access.roles), never the values of
// another tier claim: a group or user attribute must not be able to grant admin.
// Verified tokens are cached, keyed by their SHA-256, until they expire. When the provider cannot be
// reached and no keys were ever fetched: 503; with keys fetched earlier, verification goes on with them.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWSHeaderParameters, FlattenedJWSInput, JWTPayload, RemoteJWKSet } from 'jose'
import { isSafeProviderUrl } from '../config/safe-provider-url'
import { GatewayError } from '../errors/gateway-error'
import { TOKEN_EXPIRED } from './failed-login-limiter'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import { identityFromClaims } from './keycloak-identity'

export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]

export interface KeycloakVerifierOptions {
  /** Realm URL, e.g. `https://keycloak.example/realms/acme`: the expected `iss`. */
  issuer: string
  /** Accepted when `aud` contains it or `azp` equals it. */
  audience?: string
  /** Clients (`azp`) whose tokens are accepted. At least one of audience and clients is required. */
  clients?: string[]
  /** Dotted path to a string or list of strings; default `realm_access.roles`. */
  tierClaim?: string
  tierMap: Record<string, string>
  defaultTier: string
  /** Lowest to highest. */
  tierOrder?: string[]
  clockToleranceSec?: number
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  /** Minimum time between JWKS refetches triggered by an unknown `kid`; such tokens wait for the next one. Default 2 s. */
  jwksCooldownMs?: number
  /** Age after which the key set is refetched anyway. */
  jwksMaxAgeMs?: number
  /** Timeout of each discovery or JWKS request. */
  timeoutMs?: number
  maxCachedTokens?: number
  now?: () => number
}

export interface KeycloakVerifier {
  verify(token: string): Promise<Identity>
  /** The identity of a token verified before and not expired, without any work; else undefined. */
  cached?(token: string): Identity | undefined
}

const unavailable = () => new GatewayError(503, 'api_error', 'identity provider unavailable')
const refuse = (reason: string) => new GatewayError(401, 'authentication_error', reason)

/** How long to stop hammering a provider that just failed before trying it again. */
const FAILURE_BACKOFF_MS = 2_000
/** How long a kid absent from a fresh key set is refused at once, and how many such kids are kept. */
const ABSENT_KID_MS = 60_000
const MAX_ABSENT_KIDS = 1_000

export function createKeycloakVerifier(options: KeycloakVerifierOptions): KeycloakVerifier {
  const issuer = options.issuer.replace(/\/+$/, '')
  if (!isSafeProviderUrl(issuer)) throw new Error(`keycloak issuer must be an https URL (http only on a loopback address), got "${options.issuer}"`)
  const clients = options.clients ?? []
  if (options.audience === undefined && clients.length === 0) throw new Error('keycloak needs an audience or a list of clients: without either, any client of the realm could call the gateway')
  const tierClaim = options.tierClaim ?? 'realm_access.roles'
  const tierSelection = {
    tierMap: options.tierMap,
    defaultTier: options.defaultTier,
    tierOrder: options.tierOrder ?? ['free', 'pro', 'enterprise'],
  }
  const clockTolerance = options.clockToleranceSec ?? 30
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init))
  const timeoutMs = options.timeoutMs ?? 5_000
  const maxCachedTokens = options.maxCachedTokens ?? 10_000
  const now = options.now ?? Date.now

  const minRefetchMs = options.jwksCooldownMs ?? 2_000
  let remote: RemoteJWKSet | undefined
  let discovering: Promise<RemoteJWKSet> | undefined
  let lastFailureAt = -Infinity
  let lastRefetchAt = -Infinity
  let refetching: Promise<number> | undefined
  const absentKids = new Map<string, number>()
  const verified = new Map<string, { identity: Identity; expiresAtMs: number }>()

  async function discover(): Promise<RemoteJWKSet> {
    const response = await fetchImpl(`${issuer}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (!response.ok) throw new Error(`discovery answered ${response.status}`)
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
    if (document.issuer !== issuer) throw new Error('discovery document names another issuer')
    if (typeof document.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri')
    if (!isSafeProviderUrl(document.jwks_uri)) throw new Error('discovery document names a jwks_uri in clear text')
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      // jose never refetches on an unknown kid by itself: keyAfterRefetch decides when.
      cooldownDuration: Number.POSITIVE_INFINITY,
      cacheMaxAge: options.jwksMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: timeoutMs,
      [customFetch]: (url, init) => fetchImpl(url, init),
    })
  }

  async function keySet(): Promise<RemoteJWKSet> {
    if (remote) return remote
    if (now() - lastFailureAt < FAILURE_BACKOFF_MS) throw unavailable()
    discovering ??= discover().finally(() => {
      discovering = undefined
    })
    try {
      remote = await discovering
      return remote
    } catch {
      lastFailureAt = now()
      throw unavailable()
    }
  }

  async function getKey(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    const jwks = await keySet()
    // The provider failed a moment ago: use the keys we have instead of waiting on it again.
    if (now() - lastFailureAt < FAILURE_BACKOFF_MS) {
      const cachedKeys = jwks.jwks()
      if (cachedKeys) return createLocalJWKSet(cachedKeys)(header, token)
    }
    try {
      return await jwks(header, token)
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) return keyAfterRefetch(jwks, header, token, error)
      if (isKeySelectionError(error)) throw error
      lastFailureAt = now()
      const lastKnown = jwks.jwks()
      if (lastKnown) return createLocalJWKSet(lastKnown)(header, token)
      throw unavailable()
    }
  }

  /** Refetches the key set, at most once per minRefetchMs (a caller waits for its turn); resolves with when the fetch began. */
  function refetch(jwks: RemoteJWKSet): Promise<number> {
    refetching ??= (async () => {
      const wait = lastRefetchAt + minRefetchMs - now()
      if (wait > 0) await Bun.sleep(wait)
      const startedAt = now()
      lastRefetchAt = startedAt
      try {
        await jwks.reload()
      } catch {
        lastFailureAt = now()
      }
      return startedAt
    })().finally(() => {
      refetching = undefined
    })
    return refetching
  }

  /** A kid the key set lacks: after a rotation it is in the next key set, which the token waits for. */
  async function keyAfterRefetch(jwks: RemoteJWKSet, header: JWSHeaderParameters, token: FlattenedJWSInput, notFound: unknown) {
    const kid = typeof header.kid === 'string' ? header.kid : ''
    const absentSince = absentKids.get(kid)
    if (absentSince !== undefined && now() - absentSince < ABSENT_KID_MS) throw notFound
    const seenAt = now()
    // A refetch already under way may have begun before the key was published: then one more.
    if ((await refetch(jwks)) < seenAt) await refetch(jwks)
    const keys = jwks.jwks()
    try {
      if (!keys) throw notFound
      return await createLocalJWKSet(keys)(header, token)
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        if (absentKids.size >= MAX_ABSENT_KIDS) absentKids.delete(absentKids.keys().next().value!)
        absentKids.set(kid, now())
      }
      throw error
    }
  }

  const toIdentity = (payload: JWTPayload): Identity => identityFromClaims(payload, tierClaim, tierSelection)

  function checkAccessTokenClaims(payload: JWTPayload): void {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('token has no subject')
    if (typeof payload.typ === 'string' && payload.typ.toLowerCase() !== 'bearer') throw refuse('not an access token')
    const aud = payload.aud
    const audiences = Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : []
    const forAudience = options.audience !== undefined && (audiences.includes(options.audience) || payload.azp === options.audience)
    const fromClient = typeof payload.azp === 'string' && clients.includes(payload.azp)
    if (!forAudience && !fromClient) throw refuse('token audience mismatch')
  }

  function remember(key: string, identity: Identity, expiresAtMs: number): void {
    if (verified.size >= maxCachedTokens) {
      for (const [k, entry] of verified) {
        if (entry.expiresAtMs <= now()) verified.delete(k)
      }
      if (verified.size >= maxCachedTokens) {
        const oldest = verified.keys().next()
        if (!oldest.done) verified.delete(oldest.value)
      }
    }
    verified.set(key, { identity, expiresAtMs })
  }

  return {
    cached(token) {
      const hit = verified.get(hashCredential(token))
      return hit && hit.expiresAtMs > now() ? { ...hit.identity, roles: [...(hit.identity.roles ?? [])] } : undefined
    },
    async verify(token) {
      const cacheKey = hashCredential(token)
      const hit = verified.get(cacheKey)
      if (hit) {
        if (hit.expiresAtMs > now()) return { ...hit.identity, roles: [...(hit.identity.roles ?? [])] }
        verified.delete(cacheKey)
      }

      let header: JWSHeaderParameters
      let unverified: JWTPayload
      try {
        header = decodeProtectedHeader(token)
        unverified = decodeJwt(token)
      } catch {
        throw refuse('malformed token')
      }
      if (typeof header.alg !== 'string' || !ASYMMETRIC_ALGORITHMS.includes(header.alg)) {
        throw refuse('token algorithm not allowed')
      }
      // Checked again after the signature; done first so foreign tokens never cause a JWKS refetch.
      if (unverified.iss !== issuer) throw refuse('token issuer mismatch')

      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, getKey, {
          issuer,
          algorithms: ASYMMETRIC_ALGORITHMS,
          clockTolerance,
          requiredClaims: ['exp'],
          currentDate: new Date(now()),
        }))
      } catch (error) {
        throw toGatewayError(error)
      }
      checkAccessTokenClaims(payload)
      const identity = toIdentity(payload)
      remember(cacheKey, identity, (payload.exp as number) * 1000)
      return { ...identity, roles: [...(identity.roles ?? [])] }
    },
  }
}

function isKeySelectionError(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JOSEAlgNotAllowed
  )
}

/** Short reasons that never echo the token. */
function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  // A genuine token past its time: not a guess, so it does not count as a failed authentication.
  if (error instanceof errors.JWTExpired) return new GatewayError(401, 'authentication_error', 'token expired', { code: TOKEN_EXPIRED })
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refuse('token issuer mismatch')
    if (error.claim === 'nbf') return refuse('token not yet valid')
    if (error.claim === 'iat') return refuse('token issued in the future')
    return refuse(`token claim "${error.claim}" invalid`)
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('invalid token signature')
  if (error instanceof errors.JOSEAlgNotAllowed) return refuse('token algorithm not allowed')
  if (error instanceof errors.JWKSNoMatchingKey) return refuse('token signed by an unknown key')
  if (error instanceof errors.JWKSMultipleMatchingKeys) return refuse('token key is ambiguous')
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return refuse('malformed token')
  return refuse('invalid token')
}
