// The one entry point the auth plugin calls: headers in, Identity out, or a 401 GatewayError.
// A JWT-looking credential goes to Keycloak when that provider is on; anything else is tried as a
// static key, then as a gateway key from the store.
import { GatewayError } from '../errors/gateway-error'
import { extractCredential } from './extract-credential'
import { hashCredential } from './hash-credential'
import { createGatewayKeyAuthenticator, type GatewayKeyAuthenticatorOptions } from './gateway-key-authenticator'
import type { Identity } from './identity'
import type { KeycloakVerifier, KeycloakVerifierOptions } from './keycloak-verifier'
import type { KeyStore } from './key-store'
import { looksLikeJwt } from './looks-like-jwt'
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
}

export interface Authenticator {
  authenticate(headers: Headers): Promise<Identity>
  /**
   * The identity of a static or gateway key given its SHA-256 hash, or null when it is unknown or
   * revoked: how a console session opened with a key checks, on each use, that the key still works.
   */
  authenticateKeyHash(hash: string): Promise<Identity | null>
}

/** How the HTTP edge authenticates: headers in, Identity out, or a 401 GatewayError. */
export type Authenticate = Authenticator['authenticate']

const unauthorized = (message: string) => new GatewayError(401, 'authentication_error', message)

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const keysOn = options.providers.includes('keys')
  const keycloakOn = options.providers.includes('keycloak')
  if (!keysOn && !keycloakOn) throw new Error('auth needs at least one provider: keys or keycloak')
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

  return {
    async authenticate(headers) {
      const credential = extractCredential(headers)
      if (credential === null) throw unauthorized('missing credential: send x-api-key or Authorization: Bearer')
      if (verifier && looksLikeJwt(credential)) return verifier.verify(credential)
      if (keysOn) {
        const hash = hashCredential(credential)
        const identity = staticKeys.authenticateHash(hash) ?? (gatewayKeys ? await gatewayKeys.authenticateHash(hash) : null)
        if (identity) return identity
      }
      throw unauthorized('invalid or revoked credential')
    },
    async authenticateKeyHash(hash) {
      if (!keysOn) return null
      return staticKeys.authenticateHash(hash) ?? (gatewayKeys ? await gatewayKeys.authenticateHash(hash) : null)
    },
  }
}
