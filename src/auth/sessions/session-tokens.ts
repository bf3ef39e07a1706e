// The access tokens the gateway mints for signed-in developers: short-lived JWTs (HS256, an hour
// by default) naming the user, their tier and their session, issued and audienced to the
// gateway's public URL. Verifying one is a signature and an expiry check, no store lookup; a
// verified token is remembered (by its SHA-256) until it expires, since a client sends the same
// one for an hour, so the hot path pays a hash and a map lookup. What a token grants is
// re-decided at each refresh (./sessions.ts), against Keycloak.
import { errors, jwtVerify, SignJWT } from 'jose'
import { GatewayError } from '../../errors/gateway-error'
import { TOKEN_EXPIRED } from '../failed-login-limiter'
import { hashCredential } from '../hash-credential'
import type { Identity } from '../identity'
import type { SessionKeys } from './session-keys'

export interface AccessTokenSubject {
  user: string
  name: string | null
  tier: string
  /** The session (refresh token family) the token belongs to. */
  sessionId: string
}

export interface SessionTokens {
  /** The `iss` of every token this gateway mints: its public URL. */
  readonly issuer: string
  readonly ttlS: number
  mint(subject: AccessTokenSubject): Promise<string>
  /** The identity of a token this gateway minted and that is still valid; a 401 GatewayError otherwise. */
  verify(token: string): Promise<Identity>
  /** The identity of a token verified before and still valid, without any work beyond a hash; null otherwise. */
  cached(token: string): Identity | null
}

const TYPE = 'at+jwt'
const refuse = (reason: string, code?: string) => new GatewayError(401, 'authentication_error', reason, code ? { code } : {})

export function createSessionTokens(options: { keys: () => Promise<SessionKeys>; issuer: string; ttlS: number; now?: () => number; maxCachedTokens?: number }): SessionTokens {
  const { issuer, ttlS } = options
  const now = options.now ?? Date.now
  const maxCached = options.maxCachedTokens ?? 10_000
  const verified = new Map<string, { identity: Identity; expiresAtMs: number }>()

  function remember(key: string, identity: Identity, expiresAtMs: number): void {
    if (verified.size >= maxCached) {
      for (const [k, entry] of verified) if (entry.expiresAtMs <= now()) verified.delete(k)
      const oldest = verified.keys().next()
      if (verified.size >= maxCached && !oldest.done) verified.delete(oldest.value)
    }
    verified.set(key, { identity, expiresAtMs })
  }

  return {
    issuer,
    ttlS,
    async mint(subject) {
      const keys = await options.keys()
      const iat = Math.floor(now() / 1000)
      const claims: Record<string, unknown> = { tier: subject.tier, sid: subject.sessionId }
      if (subject.name !== null) claims.name = subject.name
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: TYPE, kid: keys.keyId })
        .setIssuer(issuer)
        .setAudience(issuer)
        .setSubject(subject.user)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlS)
        .setJti(crypto.randomUUID())
        .sign(keys.signing)
    },
    cached(token) {
      const hit = verified.get(hashCredential(token))
      return hit && hit.expiresAtMs > now() ? { ...hit.identity } : null
    },
    async verify(token) {
      const cacheKey = hashCredential(token)
      const hit = verified.get(cacheKey)
      if (hit) {
        if (hit.expiresAtMs > now()) return { ...hit.identity }
        verified.delete(cacheKey)
      }
      const keys = await options.keys()
      let payload
      try {
        ;({ payload } = await jwtVerify(token, keys.signing, {
          issuer,
          audience: issuer,
          algorithms: ['HS256'],
          typ: TYPE,
          requiredClaims: ['exp', 'sub', 'tier', 'sid'],
          currentDate: new Date(now()),
        }))
      } catch (error) {
        // Expired is no guess: its holder refreshes, and the failed-login limit does not count it.
        if (error instanceof errors.JWTExpired) throw refuse('token expired', TOKEN_EXPIRED)
        if (error instanceof errors.JWSSignatureVerificationFailed) throw refuse('invalid token signature')
        throw refuse('invalid token')
      }
      if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.tier !== 'string') throw refuse('invalid token')
      const identity: Identity = { user: payload.sub, tier: payload.tier, source: 'gateway-session' }
      if (typeof payload.name === 'string') identity.name = payload.name
      remember(cacheKey, identity, (payload.exp as number) * 1000)
      return { ...identity }
    },
  }
}
