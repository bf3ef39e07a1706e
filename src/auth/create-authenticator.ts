// The one entry point the auth plugin calls: headers in, Identity out, or a 401 GatewayError.
// A JWT-looking credential goes to the gateway's own sign-in when this gateway issued it, else to
// Keycloak when that provider is on; anything else is tried as a static key, then as a gateway key
// from the store. A client address that keeps failing gets 429 for credentials not already known
// (./failed-login-limiter.ts) before any lookup is made.
import { GatewayError } from '../errors/gateway-error'
import { extractCredential } from './extract-credential'
import { createFailedLoginLimiter, type FailedLoginLimiter, TOKEN_EXPIRED, tooManyFailedAuthentications } from './failed-login-limiter'
import { hashCredential } from './hash-credential'
import { createGatewayKeyAuthenticator, type GatewayKeyAuthenticatorOptions } from './gateway-key-authenticator'
import type { Identity } from './identity'
import type { KeycloakVerifier, KeycloakVerifierOptions } from './keycloak-verifier'
import type { KeyStore } from './key-store'
import { jwtIssuer, looksLikeJwt } from './looks-like-jwt'
import type { SessionTokens } from './sessions/session-tokens'
import { createStaticKeyAuthenticator, type StaticKeyEntry } from './static-keys'

export type AuthProviderName = 'keys' | 'keycloak'

export interface AuthenticatorOptions {
  providers: AuthProviderName[]
  staticKeys?: StaticKeyEntry[]
  keyStore?: KeyStore
  /** A ready verifier, or the options to build one. Required when `keycloak` is a provider. */
  keycloak?: KeycloakVerifier | KeycloakVerifierOptions
  /** Cache settings of the gateway-key lookups. */
  keyCache?: Omit<GatewayKeyAuthenticatorOptions, 'keyStore'>
  /** Failed attempts per client address; a default limiter when absent. */
  failedLogins?: FailedLoginLimiter
  /** The access tokens this gateway mints for developers who signed in through it (sign-in on). */
  sessionTokens?: Pick<SessionTokens, 'issuer' | 'verify' | 'cached'>
}

export interface Authenticator {
  /** `address`: the client's address, asked for only when a credential must be looked up or failed. */
  authenticate(headers: Headers, address?: () => string): Promise<Identity>
  /**
   * The identity of a static or gateway key given its SHA-256 hash, or null when it is unknown or
   * revoked: how a console session opened with a key checks, on each use, that the key still works.
   */
  authenticateKeyHash(hash: string): Promise<Identity | null>
}

/** How the HTTP edge authenticates: headers in, Identity out, or a 401 GatewayError (429 for an address that keeps failing). */
export type Authenticate = Authenticator['authenticate']

const unauthorized = (message: string) => new GatewayError(401, 'authentication_error', message)
const UNKNOWN_ADDRESS = () => 'unknown'

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const keysOn = options.providers.includes('keys')
  const keycloakOn = options.providers.includes('keycloak')
  if (!keysOn && !keycloakOn && !options.sessionTokens) throw new Error('auth needs at least one provider: keys or keycloak')
  if (keycloakOn && !options.keycloak) throw new Error('the keycloak auth provider needs keycloak settings (issuer)')

  const staticKeys = createStaticKeyAuthenticator(options.staticKeys ?? [])
  const gatewayKeys = options.keyStore
    ? createGatewayKeyAuthenticator({ ...options.keyCache, keyStore: options.keyStore })
    : undefined
  const verifier: KeycloakVerifier | undefined = !keycloakOn || !options.keycloak
    ? undefined
    : 'verify' in options.keycloak
      ? options.keycloak
      : // Loaded only when Keycloak is on: the JWT library costs ~5 MB of memory.
        (require('./keycloak-verifier') as typeof import('./keycloak-verifier')).createKeycloakVerifier(options.keycloak)

  const failedLogins = options.failedLogins ?? createFailedLoginLimiter()

  /** Refuses an address that keeps failing before the expensive check; counts the check's 401. */
  async function checked(address: () => string, check: () => Promise<Identity>): Promise<Identity> {
    const where = address()
    const wait = failedLogins.blockedFor(where)
    if (wait > 0) throw tooManyFailedAuthentications(wait)
    try {
      return await check()
    } catch (error) {
      // An expired token was signed by the realm: its holder needs a new one, and is no guesser (behind
      // one NAT, many users' tokens expire within the same minutes).
      if (error instanceof GatewayError && error.status === 401 && error.code !== TOKEN_EXPIRED) failedLogins.failed(where)
      throw error
    }
  }

  return {
    async authenticate(headers, address = UNKNOWN_ADDRESS) {
      const credential = extractCredential(headers)
      if (credential === null) throw unauthorized('missing credential: send x-api-key or Authorization: Bearer')
      if (looksLikeJwt(credential)) {
        const sessionTokens = options.sessionTokens
        if (sessionTokens && jwtIssuer(credential) === sessionTokens.issuer) {
          return sessionTokens.cached(credential) ?? checked(address, () => sessionTokens.verify(credential))
        }
        if (verifier) {
          const known = verifier.cached?.(credential)
          return known ?? checked(address, () => verifier.verify(credential))
        }
      }
      if (keysOn) {
        const hash = hashCredential(credential)
        const identity = staticKeys.authenticateHash(hash) ?? gatewayKeys?.cachedAnswer(hash)
        if (identity) return identity
        if (gatewayKeys) {
          return checked(address, async () => {
            const found = await gatewayKeys.authenticateHash(hash)
            if (found) return found
            throw unauthorized('invalid or revoked credential')
          })
        }
      }
      return checked(address, async () => {
        throw unauthorized('invalid or revoked credential')
      })
    },
    async authenticateKeyHash(hash) {
      if (!keysOn) return null
      return staticKeys.authenticateHash(hash) ?? (gatewayKeys ? await gatewayKeys.authenticateHash(hash) : null)
    },
  }
}
