// The gateway as an OpenID Connect client of Keycloak (or any OIDC provider): discovery, the
// authorization-code request with PKCE, the code exchange, the refresh grant, and verification of
// the tokens that come back (ID token: signature, issuer, audience, expiry, nonce; access token:
// signature, issuer, expiry). Independent of what the sign-in is for: the device flow of Claude
// Code uses it, a browser console can too.
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose'
import { ASYMMETRIC_ALGORITHMS } from '../keycloak-verifier'

export interface OidcClientOptions {
  /** The provider's issuer (Keycloak: the realm URL). */
  issuer: string
  clientId: string
  /** A confidential client's secret; null for a public client (PKCE alone). */
  clientSecret: string | null
  /** Where the provider sends the browser back; registered in the provider's client. */
  redirectUri: string
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  /** Bound on each call to the provider. */
  timeoutMs?: number
  clockToleranceSec?: number
  now?: () => number
}

export interface OidcTokens {
  accessToken: string
  refreshToken: string | null
  idToken: string | null
  /** Seconds, as the provider said. */
  expiresIn: number | null
  /** Seconds the refresh token lives (Keycloak's `refresh_expires_in`); null when not said, or 0 (an offline token: no expiry). */
  refreshExpiresIn: number | null
}

/** Why a call to the provider failed: the grant itself is refused, or the provider could not be used. */
export class OidcError extends Error {
  constructor(
    readonly kind: 'invalid_grant' | 'unavailable',
    message: string,
  ) {
    super(message)
    this.name = 'OidcError'
  }
}

export interface OidcClient {
  readonly clientId: string
  readonly redirectUri: string
  authorizationUrl(params: { state: string; nonce: string; codeChallenge: string; scope: string }): Promise<string>
  exchangeCode(code: string, codeVerifier: string): Promise<OidcTokens>
  refresh(refreshToken: string): Promise<OidcTokens>
  /** The claims of an ID token issued to this client for this nonce; throws OidcError('invalid_grant') otherwise. */
  verifyIdToken(idToken: string, nonce: string): Promise<JWTPayload>
  /** The claims of an access token the provider issued (signature, issuer, expiry). */
  verifyAccessToken(accessToken: string): Promise<JWTPayload>
}

interface Endpoints {
  authorization: string
  token: string
  jwks: ReturnType<typeof createRemoteJWKSet>
}

/** Error codes of a token endpoint that mean the grant is gone for good (RFC 6749 5.2). */
const TERMINAL_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_request'])

export function createOidcClient(options: OidcClientOptions): OidcClient {
  const issuer = options.issuer.replace(/\/+$/, '')
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init))
  const timeoutMs = options.timeoutMs ?? 5_000
  const clockTolerance = options.clockToleranceSec ?? 30
  const now = options.now ?? Date.now
  let endpoints: Promise<Endpoints> | undefined

  async function discover(): Promise<Endpoints> {
    const response = await call(`${issuer}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } })
    if (!response.ok) throw new OidcError('unavailable', `identity provider discovery answered ${response.status}`)
    const doc = (await response.json().catch(() => null)) as Record<string, unknown> | null
    if (doc?.issuer !== issuer) throw new OidcError('unavailable', 'identity provider discovery names another issuer')
    const { authorization_endpoint: authorization, token_endpoint: token, jwks_uri: jwks } = doc
    if (typeof authorization !== 'string' || typeof token !== 'string' || typeof jwks !== 'string') {
      throw new OidcError('unavailable', 'identity provider discovery lacks an endpoint')
    }
    return {
      authorization,
      token,
      jwks: createRemoteJWKSet(new URL(jwks), { timeoutDuration: timeoutMs, cooldownDuration: 30_000, [customFetch]: (url, init) => fetchImpl(url, init) }),
    }
  }

  /** Discovery once; a failed one is tried again on the next call. */
  function endpointsOnce(): Promise<Endpoints> {
    endpoints ??= discover().catch((error) => {
      endpoints = undefined
      throw error
    })
    return endpoints
  }

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    } catch (error) {
      throw new OidcError('unavailable', `identity provider unreachable (${error instanceof Error ? error.name : 'error'})`)
    }
  }

  async function tokenRequest(form: Record<string, string>): Promise<OidcTokens> {
    const { token } = await endpointsOnce()
    const body = new URLSearchParams({ ...form, client_id: options.clientId })
    if (options.clientSecret !== null) body.set('client_secret', options.clientSecret)
    const response = await call(token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body })
    const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null
    if (!response.ok) {
      const code = typeof answer?.error === 'string' ? answer.error : ''
      // A 4xx with an OAuth error code is the provider's final word; anything else may pass.
      if (response.status < 500 && TERMINAL_ERRORS.has(code)) throw new OidcError('invalid_grant', `identity provider refused the grant (${code})`)
      throw new OidcError('unavailable', `identity provider token endpoint answered ${response.status}`)
    }
    if (typeof answer?.access_token !== 'string') throw new OidcError('unavailable', 'identity provider answered without an access token')
    return {
      accessToken: answer.access_token,
      refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : null,
      idToken: typeof answer.id_token === 'string' ? answer.id_token : null,
      expiresIn: typeof answer.expires_in === 'number' ? answer.expires_in : null,
      refreshExpiresIn: typeof answer.refresh_expires_in === 'number' && answer.refresh_expires_in > 0 ? answer.refresh_expires_in : null,
    }
  }

  async function verify(token: string, check: { audience?: string }): Promise<JWTPayload> {
    const { jwks } = await endpointsOnce()
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        algorithms: ASYMMETRIC_ALGORITHMS,
        clockTolerance,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(now()),
        ...(check.audience ? { audience: check.audience } : {}),
      })
      return payload
    } catch (error) {
      // jose reports what is wrong with a token as its own errors; a key set it could not fetch as others.
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
        throw new OidcError('invalid_grant', `token from the identity provider does not verify (${error.code})`)
      }
      throw new OidcError('unavailable', 'identity provider keys unreachable')
    }
  }

  return {
    clientId: options.clientId,
    redirectUri: options.redirectUri,
    async authorizationUrl({ state, nonce, codeChallenge, scope }) {
      const { authorization } = await endpointsOnce()
      const url = new URL(authorization)
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: options.redirectUri,
        scope,
        state,
        nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      }).toString()
      return url.toString()
    },
    exchangeCode: (code, codeVerifier) => tokenRequest({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: options.redirectUri }),
    refresh: (refreshToken) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    async verifyIdToken(idToken, nonce) {
      const claims = await verify(idToken, { audience: options.clientId })
      // With several audiences the token must have been issued to this client (OIDC Core 3.1.3.7).
      if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== options.clientId) throw new OidcError('invalid_grant', 'ID token issued to another client')
      if (claims.nonce !== nonce) throw new OidcError('invalid_grant', 'ID token nonce does not match the sign-in')
      return claims
    },
    verifyAccessToken: (accessToken) => verify(accessToken, {}),
  }
}
