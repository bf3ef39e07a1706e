// The browser side of sign-in through the gateway: the verification page where a developer
// confirms the code their terminal shows (GET/POST /device), the redirect to Keycloak with the
// authorization-code flow and PKCE, and the callback (GET /oauth/callback) that verifies what
// Keycloak sent and approves the device code for that user. A pre-filled code is never approved
// without the developer's click; the form is refused cross-site and limited per client address.
import { Elysia } from 'elysia'
import { SIGN_IN_SCOPE, type SignIn } from '../../../auth/sessions/create-sign-in'
import { OidcError } from '../../../auth/oidc/oidc-client'
import { normalizeUserCode, displayUserCode } from '../../../auth/sessions/device-grants'
import type { SignInFailure } from '../../../auth/oidc/sign-in-transaction'
import type { Logger } from '../../../logging/logger'
import { clientAddress } from '../../middleware/client-address'
import type { AttemptLimiter } from './attempt-limiter'
import { htmlHeaders, messagePage, verifyPage } from './device-page-html'
import { FormError, readForm } from './read-form'
import { isSameOriginSubmission } from './same-origin'

export interface DevicePageDeps {
  signIn: SignIn
  /** Form submissions and callbacks per client address. */
  limiter: AttemptLimiter
  log: Logger
}

export function devicePageRoutes(deps: DevicePageDeps) {
  const { signIn, limiter, log } = deps
  const publicOrigin = new URL(signIn.publicUrl).origin
  const secure = publicOrigin.startsWith('https:')
  // __Host-: only ever set by this origin over https, for the whole site (RFC 6265bis 4.1.3.2).
  const cookieName = secure ? '__Host-llmgw_signin' : 'llmgw_signin'
  const headers = htmlHeaders(signIn.identityProviderOrigin)
  const page = (status: number, html: string, extra: Record<string, string> = {}) => new Response(html, { status, headers: { ...headers, ...extra } })
  const cookie = (value: string, maxAgeS: number) => `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`

  function readCookie(request: Request): string | null {
    const header = request.headers.get('cookie')
    if (header === null || header.length > 16 * 1024) return null
    for (const part of header.split(';')) {
      const eq = part.indexOf('=')
      if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim()
    }
    return null
  }

  async function submit(request: Request): Promise<Response> {
    if (!isSameOriginSubmission(request.headers, publicOrigin)) {
      log.warn('sign-in form refused: cross-site submission', { address: clientAddress(request) })
      return page(403, messagePage('Request blocked', 'This form can only be sent from the gateway’s own page. Open the link your terminal shows and try again.'))
    }
    const allowed = limiter.take(clientAddress(request))
    if (!allowed.allowed) return page(429, messagePage('Too many attempts', `Wait ${allowed.retryAfterS} seconds, then try again.`), { 'retry-after': String(allowed.retryAfterS) })
    const form = await readForm(request)
    const typed = form.get('user_code') ?? ''
    const pending = await signIn.deviceGrants.findPending(typed)
    if (pending === null) return page(400, verifyPage({ userCode: typed.slice(0, 16), error: 'That code is unknown or has expired. Check the code in your terminal, or start the sign-in again.' }))
    if (form.get('action') === 'deny') {
      await signIn.deviceGrants.settle(pending.grantId, { deny: true })
      return page(200, messagePage('Sign-in denied', 'The terminal that asked will be told no. You can close this page.'))
    }
    const started = await (await signIn.transactions()).start({ grantId: pending.grantId, userCode: pending.userCode }, SIGN_IN_SCOPE)
    return new Response(null, { status: 303, headers: { ...headers, location: started.url, 'set-cookie': cookie(started.sealed, 600) } })
  }

  function failurePage(failure: SignInFailure): Response {
    switch (failure.kind) {
      case 'no_transaction':
        return page(400, messagePage('No sign-in in progress', 'This browser has not started a sign-in here (or its cookie is gone). Open the link your terminal shows.'))
      case 'expired':
        return page(400, messagePage('Sign-in expired', 'This sign-in took too long. Start it again from your terminal.'))
      case 'state_mismatch':
        return page(400, messagePage('Sign-in refused', 'The answer from the identity provider does not belong to this sign-in.'))
      case 'denied':
        return page(400, messagePage('Sign-in cancelled', 'The identity provider did not sign you in. Start again from your terminal.'))
      case 'invalid_grant':
        return page(400, messagePage('Sign-in refused', 'The identity provider’s answer could not be verified. Start again from your terminal.'))
      case 'unavailable':
        return page(503, messagePage('Identity provider unavailable', 'The identity provider cannot be reached right now. Try again in a moment.'))
      default: {
        const never_: never = failure
        throw new Error(`unknown sign-in failure ${JSON.stringify(never_)}`)
      }
    }
  }

  async function callback(request: Request): Promise<Response> {
    // Each callback may cost a call to Keycloak: counted like form submissions, per address.
    const allowed = limiter.take(clientAddress(request))
    if (!allowed.allowed) return page(429, messagePage('Too many attempts', `Wait ${allowed.retryAfterS} seconds, then try again.`), { 'retry-after': String(allowed.retryAfterS) })
    const query = new URL(request.url).searchParams
    const result = await (await signIn.transactions()).finish(readCookie(request), query)
    const clear = { 'set-cookie': cookie('', 0) }
    if (!result.ok) {
      log.warn('sign-in callback refused', { reason: result.failure.kind, ...('message' in result.failure ? { detail: result.failure.message } : {}) })
      const answer = failurePage(result.failure)
      // The user said no at Keycloak: the terminal learns it at its next poll.
      if (result.failure.kind === 'denied' && result.data) await signIn.deviceGrants.settle(result.data.grantId, { deny: true })
      answer.headers.set('set-cookie', clear['set-cookie'])
      return answer
    }
    const { data, tokens, idClaims } = result.value
    let seed
    try {
      seed = await signIn.seedFrom(tokens, String(idClaims.sub))
    } catch (error) {
      if (!(error instanceof OidcError)) throw error
      log.warn('sign-in callback refused', { reason: error.kind, detail: error.message })
      return page(error.kind === 'unavailable' ? 503 : 400, messagePage('Sign-in refused', error.message), clear)
    }
    if (!(await signIn.deviceGrants.settle(data.grantId, { approve: seed }))) {
      return page(400, messagePage('Code no longer waiting', `The code ${data.userCode} expired or was already used. Start the sign-in again from your terminal.`), clear)
    }
    log.info('device code approved', { user: seed.user, name: seed.name ?? undefined, tier: seed.tier })
    return page(200, messagePage('Signed in', `You are signed in as ${seed.name ?? seed.user}. Return to your terminal; you can close this page.`), clear)
  }

  const guarded = (run: () => Promise<Response>) =>
    run().catch((error: unknown) => {
      if (error instanceof FormError) return page(error.status, messagePage('Request refused', error.message), error.status === 413 ? { connection: 'close' } : {})
      log.warn('sign-in page failed', { error: error instanceof Error ? error.message : String(error) })
      return page(503, messagePage('Try again shortly', 'The gateway cannot complete the sign-in right now.'))
    })

  return new Elysia({ name: 'sign-in-device-page' })
    .get(
      '/device',
      ({ query }) => {
        const given = typeof query.user_code === 'string' ? normalizeUserCode(query.user_code) : null
        return page(200, verifyPage({ userCode: given === null ? '' : displayUserCode(given) }))
      },
      { detail: { summary: 'Sign-in verification page (browser)', tags: ['Sign-in'] } },
    )
    .post('/device', ({ request }) => guarded(() => submit(request)), { parse: 'none', detail: { summary: 'Submit the user code (browser form)', tags: ['Sign-in'] } })
    .get('/oauth/callback', ({ request }) => guarded(() => callback(request)), { detail: { summary: 'Identity provider callback (browser)', tags: ['Sign-in'] } })
}
