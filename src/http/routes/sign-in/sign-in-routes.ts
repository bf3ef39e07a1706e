// The route groups of sign-in through the gateway (on when `auth.keycloak.client_id` is set):
// the OAuth endpoints Claude Code calls and the pages the developer's browser sees, with the
// per-address limits they share a configuration's lifetime with.
import type { SignIn } from '../../../auth/sessions/create-sign-in'
import type { Logger } from '../../../logging/logger'
import { createAttemptLimiter } from './attempt-limiter'
import { devicePageRoutes } from './device-page-routes'
import { oauthRoutes } from './oauth-routes'

/** Per client address and minute: a team behind one NAT signing in at 9 am stays under it. */
export const DEVICE_AUTHORIZATIONS_PER_MINUTE = 20
/** A sign-in costs two (the form, the callback). */
export const VERIFICATIONS_PER_MINUTE = 30

export function signInRoutes(deps: { signIn: SignIn; log: Logger; now?: () => number }) {
  const limiter = (limit: number) => createAttemptLimiter({ limit, windowMs: 60_000, ...(deps.now ? { now: deps.now } : {}) })
  return [
    oauthRoutes({ signIn: deps.signIn, limiter: limiter(DEVICE_AUTHORIZATIONS_PER_MINUTE), log: deps.log }),
    devicePageRoutes({ signIn: deps.signIn, limiter: limiter(VERIFICATIONS_PER_MINUTE), log: deps.log }),
  ]
}
