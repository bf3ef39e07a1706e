// The OAuth side of sign-in through the gateway, as Claude Code's gateway protocol asks for it:
// RFC 8414 discovery at /.well-known/oauth-authorization-server, the RFC 8628 device
// authorization endpoint, and the token endpoint for the device-code and refresh-token grants.
// Every URL comes from `server.public_url`, never from the request's Host header.
import { Elysia } from 'elysia'
import type { SignIn } from '../../../auth/sessions/create-sign-in'
import type { PollAnswer } from '../../../auth/sessions/device-grants'
import type { IssuedTokens } from '../../../auth/sessions/sessions'
import type { Logger } from '../../../logging/logger'
import { clientAddress } from '../../middleware/client-address'
import type { AttemptLimiter } from './attempt-limiter'
import { oauthError, oauthJson } from './oauth-errors'
import { FormError, readForm } from './read-form'

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export interface OAuthRouteDeps {
  signIn: SignIn
  /** Device authorizations per client address. */
  limiter: AttemptLimiter
  log: Logger
}

export function discoveryDocument(publicUrl: string): Record<string, unknown> {
  return {
    issuer: publicUrl,
    device_authorization_endpoint: `${publicUrl}/oauth/device_authorization`,
    token_endpoint: `${publicUrl}/oauth/token`,
    grant_types_supported: [DEVICE_CODE_GRANT, 'refresh_token'],
    // Required by RFC 8414; empty, as the device flow has no authorization endpoint.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    gateway_protocol_version: 1,
  }
}

function tokenAnswer(tokens: IssuedTokens): Response {
  return oauthJson(200, { access_token: tokens.accessToken, token_type: 'Bearer', expires_in: tokens.expiresIn, refresh_token: tokens.refreshToken })
}

/** RFC 8628 3.5; `slow_down` as 429, as Claude Code's own gateway answers it. */
function pollError(answer: Exclude<PollAnswer, { kind: 'approved' }>): Response {
  switch (answer.kind) {
    case 'authorization_pending':
      return oauthError(400, 'authorization_pending', 'the user has not approved the code yet')
    case 'slow_down':
      return oauthError(429, 'slow_down', 'polling faster than the interval; wait 5 seconds more')
    case 'access_denied':
      return oauthError(400, 'access_denied', 'the user denied the request')
    case 'expired_token':
      return oauthError(400, 'expired_token', 'the device code expired; start the sign-in again')
    case 'invalid_grant':
      return oauthError(400, 'invalid_grant', 'unknown or already used device code')
    default: {
      const never_: never = answer
      throw new Error(`unknown poll answer ${JSON.stringify(never_)}`)
    }
  }
}

export function oauthRoutes(deps: OAuthRouteDeps) {
  const { signIn, limiter, log } = deps
  const discovery = JSON.stringify(discoveryDocument(signIn.publicUrl))

  /** A store or Keycloak that is down is the gateway's trouble: 503, and the client may try again. */
  async function guarded(what: string, run: () => Promise<Response>): Promise<Response> {
    try {
      return await run()
    } catch (error) {
      // An oversized body is never read to its end: closing the connection frees it.
      if (error instanceof FormError) return oauthError(error.status, 'invalid_request', error.message, error.status === 413 ? { connection: 'close' } : {})
      log.warn('sign-in endpoint failed', { endpoint: what, error: error instanceof Error ? error.message : String(error) })
      return oauthError(503, 'temporarily_unavailable', 'the gateway cannot complete this right now; try again shortly', { 'retry-after': '5' })
    }
  }

  async function deviceGrant(form: URLSearchParams): Promise<Response> {
    const deviceCode = form.get('device_code')
    if (!deviceCode) return oauthError(400, 'invalid_request', 'device_code is required')
    const answer = await signIn.deviceGrants.poll(deviceCode)
    if (answer.kind !== 'approved') return pollError(answer)
    const tokens = await signIn.sessions.start(answer.seed)
    log.info('signed in', { user: answer.seed.user, name: answer.seed.name ?? undefined, tier: tokens.tier })
    return tokenAnswer(tokens)
  }

  async function refreshGrant(form: URLSearchParams): Promise<Response> {
    const refreshToken = form.get('refresh_token')
    if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is required')
    const answer = await signIn.sessions.refresh(refreshToken)
    if (answer.ok) return tokenAnswer(answer.tokens)
    if (answer.error === 'temporarily_unavailable') {
      log.warn('session refresh deferred: identity provider unavailable', { reason: answer.reason })
      return oauthError(503, 'temporarily_unavailable', 'the identity provider cannot be reached; try again shortly', { 'retry-after': '5' })
    }
    log.info('session refresh refused', { reason: answer.reason })
    // 401 rather than RFC 6749's 400: the gateway protocol's signal that the user must sign in again.
    return oauthError(401, 'invalid_grant', answer.reason)
  }

  return new Elysia({ name: 'sign-in-oauth' })
    .get('/.well-known/oauth-authorization-server', () => new Response(discovery, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } }), {
      detail: { summary: 'OAuth authorization server metadata (RFC 8414) for sign-in', tags: ['Sign-in'] },
    })
    .post(
      '/oauth/device_authorization',
      ({ request }) =>
        guarded('device_authorization', async () => {
          const allowed = limiter.take(clientAddress(request))
          if (!allowed.allowed) return oauthError(429, 'slow_down', 'too many sign-in requests from this address', { 'retry-after': String(allowed.retryAfterS) })
          // Claude Code sends `surface=claude_code` and no client_id: neither decides anything.
          await readForm(request)
          const grant = await signIn.deviceGrants.authorize()
          const verificationUri = `${signIn.publicUrl}/device`
          return oauthJson(200, {
            device_code: grant.deviceCode,
            user_code: grant.userCode,
            verification_uri: verificationUri,
            verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(grant.userCode)}`,
            expires_in: grant.expiresIn,
            interval: grant.interval,
          })
        }),
      { parse: 'none', detail: { summary: 'Device authorization (RFC 8628) for sign-in', tags: ['Sign-in'] } },
    )
    .post(
      '/oauth/token',
      ({ request }) =>
        guarded('token', async () => {
          const form = await readForm(request)
          const grantType = form.get('grant_type')
          if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required')
          if (grantType === DEVICE_CODE_GRANT) return deviceGrant(form)
          if (grantType === 'refresh_token') return refreshGrant(form)
          return oauthError(400, 'unsupported_grant_type', `grant_type must be ${DEVICE_CODE_GRANT} or refresh_token`)
        }),
      { parse: 'none', detail: { summary: 'Token endpoint: device-code and refresh-token grants', tags: ['Sign-in'] } },
    )
}
