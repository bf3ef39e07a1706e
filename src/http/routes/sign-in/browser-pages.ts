// What the browser routes of sign-in share (the device verification page, the console's sign-in
// and the callback both come back to): answering with a page under the pages' headers, the cookie
// of the transaction, the per-address limit on what may cost a call to Keycloak, and the last
// resort when something fails (a clear page, never a stack trace).
import type { SignIn } from '../../../auth/sessions/create-sign-in'
import type { Logger } from '../../../logging/logger'
import { clientAddress } from '../../middleware/client-address'
import type { AttemptLimiter } from './attempt-limiter'
import { FormError } from './read-form'
import { messagePage, pageResponder, type PageResponse } from './sign-in-page-html'
import { transactionCookie, type TransactionCookie } from './transaction-cookie'

export interface BrowserPages {
  page: PageResponse
  cookie: TransactionCookie
  /** Counts one attempt of the request's address: null when allowed, else the 429 page. */
  overLimit(request: Request): Response | null
  /** Runs a route; an oversized form or a failure becomes a page. */
  guarded(run: () => Promise<Response>): Promise<Response>
}

export function createBrowserPages(deps: { signIn: SignIn; limiter: AttemptLimiter; log: Logger }): BrowserPages {
  const { limiter, log } = deps
  const page = pageResponder(deps.signIn.identityProviderOrigin)
  return {
    page,
    cookie: transactionCookie(deps.signIn.publicUrl),
    overLimit(request) {
      const allowed = limiter.take(clientAddress(request))
      if (allowed.allowed) return null
      return page(429, messagePage('Too many attempts', `Wait ${allowed.retryAfterS} seconds, then try again.`), { 'retry-after': String(allowed.retryAfterS) })
    },
    guarded: (run) =>
      run().catch((error: unknown) => {
        if (error instanceof FormError) return page(error.status, messagePage('Request refused', error.message), error.status === 413 ? { connection: 'close' } : {})
        log.warn('sign-in page failed', { error: error instanceof Error ? error.message : String(error) })
        return page(503, messagePage('Try again shortly', 'The gateway cannot complete the sign-in right now.'))
      }),
  }
}
