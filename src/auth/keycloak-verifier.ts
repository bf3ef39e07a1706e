// Verifies Keycloak (or any OIDC provider's) access tokens with jose and turns them into an
// Identity. The key set is discovered from `${issuer}/.well-known/openid-configuration` and
// fetched through createRemoteJWKSet: an unknown `kid` refetches it (at most once per cooldown),
// so realm key rotation needs no restart. What is accepted:
//   - signature by a key from the issuer's JWKS, asymmetric algorithms only (never `none`, never HS*);
//   - `iss` exactly equal to the configured issuer (a trailing slash in the config is ignored);
//   - when `audience` is set: `aud` contains it, or `azp` (the client the token was issued to)
//     equals it, since Keycloak only fills `aud` with client ids through an audience mapper;
//   - `exp` required, `exp`/`nbf` checked with `clockToleranceSec` of leeway; `sub` required;
//   - a `typ` claim, when present, must be `Bearer` (Keycloak ID tokens say `ID`).
// Verified tokens are cached, keyed by their SHA-256, until they expire. When the provider cannot be
// reached and no keys were ever fetched: 503; with keys fetched earlier, verification goes on with them.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWSHeaderParameters, FlattenedJWSInput, JWTPayload, RemoteJWKSet } from 'jose'
import { GatewayError } from '../errors/gateway-error'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import { identityFromClaims } from './keycloak-identity'

export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]

export interface KeycloakVerifierOptions {
  /** Realm URL, e.g. `https://keycloak.example/realms/acme`: the expected `iss`. */
  issuer: string
  audience?: string
  /** Dotted path to a string or list of strings; default `realm_access.roles`. */
  tierClaim?: string
  tierMap: Record<string, string>
  defaultTier: string
  /** Lowest to highest. */
  tierOrder?: string[]
  clockToleranceSec?: number
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  /** Minimum time between JWKS refetches triggered by an unknown `kid`. */
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
}

const unavailable = () => new GatewayError(503, 'api_error', 'identity provider unavailable')
const refuse = (reason: string) => new GatewayError(401, 'authentication_error', reason)

/** How long to stop hammering a provider that just failed before trying it again. */
const FAILURE_BACKOFF_MS = 2_000

export function createKeycloakVerifier(options: KeycloakVerifierOptions): KeycloakVerifier {
  const issuer = options.issuer.replace(/\/+$/, '')
  if (!/^https?:\/\//.test(issuer)) throw new Error(`keycloak issuer must be an http(s) URL, got "${options.issuer}"`)
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

  let remote: RemoteJWKSet | undefined
  let discovering: Promise<RemoteJWKSet> | undefined
  let lastFailureAt = -Infinity
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
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
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
      if (isKeySelectionError(error)) throw error
      lastFailureAt = now()
      const lastKnown = jwks.jwks()
      if (lastKnown) return createLocalJWKSet(lastKnown)(header, token)
      throw unavailable()
    }
  }

  const toIdentity = (payload: JWTPayload): Identity => identityFromClaims(payload, tierClaim, tierSelection)

  function checkAccessTokenClaims(payload: JWTPayload): void {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('token has no subject')
    if (typeof payload.typ === 'string' && payload.typ.toLowerCase() !== 'bearer') throw refuse('not an access token')
    if (options.audience !== undefined) {
      const aud = payload.aud
      const audiences = Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : []
      if (!audiences.includes(options.audience) && payload.azp !== options.audience) throw refuse('token audience mismatch')
    }
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
  if (error instanceof errors.JWTExpired) return refuse('token expired')
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
