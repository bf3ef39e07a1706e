// The route groups of sign-in through the gateway (on when `auth.keycloak.client_id` is set):
// the OAuth endpoints Claude Code calls, the pages the developer's browser sees, the console's
// sign-in through Keycloak, and the one callback both browser sign-ins come back to, with the
// per-address limits they share a configuration's lifetime with.
import type { AdminCheck } from '../../../auth/admin-check'
import type { ConsoleSessions } from '../../../auth/console-sessions'
import type { SignIn } from '../../../auth/sessions/create-sign-in'
import type { Logger } from '../../../logging/logger'
import { createAttemptLimiter } from './attempt-limiter'
import { createBrowserPages } from './browser-pages'
import { consoleSignInFinisher, consoleSignInRoutes } from './console-sign-in'
import { deviceSignInFinisher, devicePageRoutes } from './device-page-routes'
import { oauthRoutes } from './oauth-routes'
import { signInCallbackRoute } from './sign-in-callback'

/** Per client address and minute: a team behind one NAT signing in at 9 am stays under it. */
export const DEVICE_AUTHORIZATIONS_PER_MINUTE = 20
/** A sign-in costs two (the form or the console's start, then the callback). */
export const VERIFICATIONS_PER_MINUTE = 30

export function signInRoutes(deps: { signIn: SignIn; log: Logger; console: { sessions: ConsoleSessions; isAdmin: AdminCheck }; now?: () => number }) {
  const { signIn, log } = deps
  const limiter = (limit: number) => createAttemptLimiter({ limit, windowMs: 60_000, ...(deps.now ? { now: deps.now } : {}) })
  const pages = createBrowserPages({ signIn, limiter: limiter(VERIFICATIONS_PER_MINUTE), log })
  const device = { signIn, pages, log }
  const consoleDeps = { signIn, pages, log, ...deps.console }
  return [
    oauthRoutes({ signIn, limiter: limiter(DEVICE_AUTHORIZATIONS_PER_MINUTE), log }),
    devicePageRoutes(device),
    consoleSignInRoutes(consoleDeps),
    signInCallbackRoute({ signIn, pages, log, finishers: { device: deviceSignInFinisher(device), console: consoleSignInFinisher(consoleDeps) } }),
  ]
}
