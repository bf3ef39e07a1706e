// The console's "Sign in with your company account": GET /console/sign-in/keycloak sends the
// browser to Keycloak with the authorization-code flow and PKCE (a transaction like a device
// sign-in's, whose purpose is the console), and once the callback (./sign-in-callback.ts) has
// verified what Keycloak sent, a console session is opened for that Keycloak identity (tier and
// admin role mapped as for bearer JWTs) and the browser goes back to /console/ with the session's
// cookie. The session re-checks itself against Keycloak (../../../auth/console-sessions.ts).
import { Elysia } from 'elysia'
import type { AdminCheck } from '../../../auth/admin-check'
import type { ConsoleSessions } from '../../../auth/console-sessions'
import { CONSOLE_SIGN_IN_SCOPE, type ConsoleSignIn, type SignIn } from '../../../auth/sessions/create-sign-in'
import type { Logger } from '../../../logging/logger'
import { CONSOLE_KEYCLOAK_SIGN_IN_PATH, isTls, sessionCookie } from '../console-routes'
import type { BrowserPages } from './browser-pages'
import { TRANSACTION_COOKIE_S } from './device-page-routes'
import type { SignInFinisher } from './sign-in-callback'

export interface ConsoleSignInDeps {
  signIn: SignIn
  sessions: ConsoleSessions
  isAdmin: AdminCheck
  pages: BrowserPages
  log: Logger
}

export function consoleSignInRoutes(deps: ConsoleSignInDeps) {
  const { signIn, pages } = deps
  async function start(request: Request): Promise<Response> {
    const limited = pages.overLimit(request)
    if (limited) return limited
    const started = await (await signIn.transactions()).start({ purpose: 'console' }, CONSOLE_SIGN_IN_SCOPE)
    return pages.page(303, '', { location: started.url, 'set-cookie': pages.cookie.set(started.sealed, TRANSACTION_COOKIE_S) })
  }
  return new Elysia({ name: 'sign-in-console' }).get(CONSOLE_KEYCLOAK_SIGN_IN_PATH, ({ request }) => pages.guarded(() => start(request)), {
    detail: { summary: 'Console sign-in through Keycloak (browser): redirects to the login page', tags: ['Sign-in'] },
  })
}

/** What the callback does with a verified console sign-in: opens the session, back to the console. */
export function consoleSignInFinisher(deps: ConsoleSignInDeps): SignInFinisher<ConsoleSignIn> {
  const { signIn, sessions, isAdmin, pages, log } = deps
  const secureOrigin = new URL(signIn.publicUrl).protocol === 'https:'
  return {
    restart: { message: 'Start again from the console.', link: { href: '/console/', text: 'Back to the console' } },
    async finish(request, _data, { tokens, idClaims }) {
      const grant = await signIn.grantFrom(tokens, String(idClaims.sub))
      const opened = await sessions.openKeycloak(grant, isAdmin)
      log.info('console signed in through Keycloak', { user: grant.identity.user, name: grant.identity.name, tier: grant.identity.tier, admin: opened.session.admin })
      return pages.page(303, '', {
        location: '/console/',
        'set-cookie': sessionCookie(opened.id, sessions.ttlSeconds, secureOrigin || isTls(request)),
      })
    },
  }
}
