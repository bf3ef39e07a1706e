// The browser side of a device sign-in (Claude Code's /login): the verification page where a
// developer confirms the code their terminal shows (GET/POST /device), the redirect to Keycloak
// with the authorization-code flow and PKCE, and, once the callback (./sign-in-callback.ts) has
// verified what Keycloak sent, the approval of the device code for that user. A pre-filled code is
// never approved without the developer's click; the form is refused cross-site and limited per
// client address.
import { Elysia } from 'elysia'
import { type DeviceSignIn, SIGN_IN_SCOPE, type SignIn, TRANSACTION_TTL_MS } from '../../../auth/sessions/create-sign-in'
import { normalizeUserCode, displayUserCode } from '../../../auth/sessions/device-grants'
import type { Logger } from '../../../logging/logger'
import { clientAddress } from '../../middleware/client-address'
import type { BrowserPages } from './browser-pages'
import { readForm } from './read-form'
import { isSameOriginSubmission } from './same-origin'
import type { SignInFinisher } from './sign-in-callback'
import { messagePage, verifyPage } from './sign-in-page-html'

/** How long the transaction cookie lives: the transaction's own lifetime. */
export const TRANSACTION_COOKIE_S = TRANSACTION_TTL_MS / 1000

export interface DevicePageDeps {
  signIn: SignIn
  pages: BrowserPages
  log: Logger
}

export function devicePageRoutes(deps: DevicePageDeps) {
  const { signIn, pages, log } = deps
  const { page } = pages
  const publicOrigin = new URL(signIn.publicUrl).origin

  async function submit(request: Request): Promise<Response> {
    if (!isSameOriginSubmission(request.headers, publicOrigin)) {
      log.warn('sign-in form refused: cross-site submission', { address: clientAddress(request) })
      return page(403, messagePage('Request blocked', 'This form can only be sent from the gateway’s own page. Open the link your terminal shows and try again.'))
    }
    const limited = pages.overLimit(request)
    if (limited) return limited
    const form = await readForm(request)
    const typed = form.get('user_code') ?? ''
    const pending = await signIn.deviceGrants.findPending(typed)
    if (pending === null) return page(400, verifyPage({ userCode: typed.slice(0, 16), error: 'That code is unknown or has expired. Check the code in your terminal, or start the sign-in again.' }))
    if (form.get('action') === 'deny') {
      await signIn.deviceGrants.settle(pending.grantId, { deny: true })
      return page(200, messagePage('Sign-in denied', 'The terminal that asked will be told no. You can close this page.'))
    }
    const started = await (await signIn.transactions()).start({ purpose: 'device', grantId: pending.grantId, userCode: pending.userCode }, SIGN_IN_SCOPE)
    return page(303, '', { location: started.url, 'set-cookie': pages.cookie.set(started.sealed, TRANSACTION_COOKIE_S) })
  }

  return new Elysia({ name: 'sign-in-device-page' })
    .get(
      '/device',
      ({ query }) => {
        const given = typeof query.user_code === 'string' ? normalizeUserCode(query.user_code) : null
        return page(200, verifyPage({ userCode: given === null ? '' : displayUserCode(given) }))
      },
      { detail: { summary: 'Sign-in verification page (browser)', tags: ['Sign-in'] } },
    )
    .post('/device', ({ request }) => pages.guarded(() => submit(request)), { parse: 'none', detail: { summary: 'Submit the user code (browser form)', tags: ['Sign-in'] } })
}

/** What the callback does with a verified device sign-in: approves the code for that user. */
export function deviceSignInFinisher(deps: DevicePageDeps): SignInFinisher<DeviceSignIn> {
  const { signIn, pages, log } = deps
  const { page } = pages
  return {
    restart: { message: 'Start again from your terminal.' },
    async finish(_request, data, { tokens, idClaims }) {
      const seed = await signIn.seedFrom(tokens, String(idClaims.sub))
      if (!(await signIn.deviceGrants.settle(data.grantId, { approve: seed }))) {
        return page(400, messagePage('Code no longer waiting', `The code ${data.userCode} expired or was already used. Start the sign-in again from your terminal.`))
      }
      log.info('device code approved', { user: seed.user, name: seed.name ?? undefined, tier: seed.tier })
      return page(200, messagePage('Signed in', `You are signed in as ${seed.name ?? seed.user}. Return to your terminal; you can close this page.`))
    },
    // The user said no at Keycloak: the terminal learns it at its next poll.
    denied: async (data) => void (await signIn.deviceGrants.settle(data.grantId, { deny: true })),
  }
}
