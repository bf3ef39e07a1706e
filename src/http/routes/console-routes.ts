// The web console: its page and assets at /console/ (built into the binary, see
// ../console/console-assets.ts), a browser's GET / sent there (API clients keep their JSON 404),
// and its sign-in: POST /console/api/session exchanges a key for a session id in an HttpOnly,
// SameSite=Strict cookie (Secure under TLS), GET says who is signed in (with the CSRF token the
// page must send back on changes), DELETE signs out. Every answer of the console carries a strict
// Content-Security-Policy: the page loads nothing but its own script and stylesheet.
import { Elysia, t } from 'elysia'
import type { AdminCheck } from '../../auth/admin-check'
import type { ConsoleSession, ConsoleSessions } from '../../auth/console-sessions'
import { type FailedLoginLimiter, tooManyFailedAuthentications } from '../../auth/failed-login-limiter'
import { GatewayError } from '../../errors/gateway-error'
import { clientAddress } from '../middleware/client-address'
import { checkCsrf, readCookie, SESSION_COOKIE, storeUnavailable } from '../middleware/principal'
import { createAttemptLimiter } from './sign-in/attempt-limiter'

export interface ConsoleRouteDeps {
  sessions: ConsoleSessions
  isAdmin: AdminCheck
  /** Whether sign-in through Keycloak is on: the sign-in page then offers it. */
  keycloakSignIn: boolean
  /** The quota's day (its time zone), which the pages' date ranges end on. */
  today: () => string
  /** The quota's IANA time zone, so that a page open past midnight moves on to the next day. */
  timeZone: string
  /**
   * The authenticator's failed-login limit: a key tried here costs a key store lookup as on any
   * route, so made-up keys count against the address here too. An address over it waits out the
   * minute before signing in here, whatever its key: telling a good key apart costs that lookup.
   */
  failedLogins: FailedLoginLimiter
}

/** Where the sign-in page's "Sign in with your company account" goes (served by the sign-in routes). */
export const CONSOLE_KEYCLOAK_SIGN_IN_PATH = '/console/sign-in/keycloak'

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

export function isTls(request: Request): boolean {
  return request.url.startsWith('https:') || request.headers.get('x-forwarded-proto') === 'https'
}

/** The Set-Cookie value of a console session (every way of signing in gives the same cookie). */
export function sessionCookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
}

const cookie = (request: Request, value: string, maxAge: number) => sessionCookie(value, maxAge, isTls(request))

function sessionBody(session: ConsoleSession, today: string, timeZone: string) {
  return {
    user: session.identity?.user ?? null,
    name: session.identity?.name ?? null,
    tier: session.identity?.tier ?? null,
    admin: session.admin,
    method: session.method,
    csrf_token: session.csrfToken,
    expires_at: new Date(session.expiresAt).toISOString(),
    today,
    time_zone: timeZone,
  }
}

function asset(body: string, type: string): Response {
  return new Response(body, { headers: { 'content-type': type, 'cache-control': 'no-cache', ...SECURITY_HEADERS } })
}

// Built on first use: a gateway that never serves the console never holds its assets.
let assets: Promise<typeof import('../console/console-assets')> | null = null
const loadAssets = () => (assets ??= import('../console/console-assets'))

/** Key sign-ins a minute from one address: each opens a session row that lives 12 hours. */
export const CONSOLE_SIGN_INS_PER_MINUTE = 30

export function consoleRoutes(deps: ConsoleRouteDeps) {
  const { sessions, isAdmin } = deps
  const signIns = createAttemptLimiter({ limit: CONSOLE_SIGN_INS_PER_MINUTE, windowMs: 60_000 })
  const signInOptions = JSON.stringify({ key: true, keycloak: deps.keycloakSignIn ? CONSOLE_KEYCLOAK_SIGN_IN_PATH : null })
  const current = async (request: Request): Promise<{ id: string; session: ConsoleSession } | null> => {
    const id = readCookie(request.headers.get('cookie'), SESSION_COOKIE)
    if (!id) return null
    const session = await sessions.resolve(id, isAdmin).catch(storeUnavailable)
    return session ? { id, session } : null
  }

  return new Elysia({ name: 'console' })
    .get('/', ({ request }) => {
      // A browser is sent to the console; an API client asking for / keeps the JSON 404.
      if (!(request.headers.get('accept') ?? '').includes('text/html')) throw new GatewayError(404, 'not_found_error', 'No such route on this gateway.')
      return new Response(null, { status: 302, headers: { location: '/console/' } })
    })
    // Also answers /console: Elysia matches a path with and without its trailing slash.
    .get('/console/', async () => asset((await loadAssets()).CONSOLE_HTML, 'text/html; charset=utf-8'))
    .get('/console/app.js', async () => asset((await loadAssets()).CONSOLE_JS, 'text/javascript; charset=utf-8'))
    .get('/console/app.css', async () => asset((await loadAssets()).CONSOLE_CSS, 'text/css; charset=utf-8'))
    .post(
      '/console/api/session',
      async ({ request, body, set }) => {
        // A form on another site could post a key of its own and sign the browser in as someone
        // else: only JSON (which no cross-site form can send) from this site is taken.
        const site = request.headers.get('sec-fetch-site')
        if (site !== null && site !== 'same-origin' && site !== 'none') throw new GatewayError(403, 'permission_error', 'cross-site request refused')
        if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) throw new GatewayError(400, 'invalid_request_error', 'Content-Type must be application/json.')
        const address = clientAddress(request)
        const wait = deps.failedLogins.blockedFor(address)
        if (wait > 0) throw tooManyFailedAuthentications(wait)
        const allowed = signIns.take(address)
        if (!allowed.allowed) {
          throw new GatewayError(429, 'rate_limit_error', `too many sign-ins from this address; try again in ${allowed.retryAfterS} s`, { headers: { 'retry-after': String(allowed.retryAfterS) } })
        }
        const opened = await sessions.open(body.key.trim(), isAdmin).catch((error) => {
          if (error instanceof GatewayError) throw error
          throw new GatewayError(503, 'api_error', 'session store unavailable; try again shortly')
        })
        if (!opened) {
          deps.failedLogins.failed(address)
          throw new GatewayError(401, 'authentication_error', 'invalid or revoked key')
        }
        set.headers['set-cookie'] = cookie(request, opened.id, sessions.ttlSeconds)
        set.headers['cache-control'] = 'no-store'
        return sessionBody(opened.session, deps.today(), deps.timeZone)
      },
      { body: t.Object({ key: t.String({ minLength: 1, maxLength: 16384 }) }) },
    )
    // Before anyone is signed in: how the sign-in page may sign them in.
    .get('/console/api/sign-in-options', () => new Response(signInOptions, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } }))
    .get('/console/api/session', async ({ request, set }) => {
      const found = await current(request)
      if (!found) throw new GatewayError(401, 'authentication_error', 'not signed in')
      set.headers['cache-control'] = 'no-store'
      return sessionBody(found.session, deps.today(), deps.timeZone)
    })
    .delete('/console/api/session', async ({ request, set }) => {
      const found = await current(request)
      if (found) {
        checkCsrf(request, found.session)
        await sessions.end(found.id)
      }
      set.headers['set-cookie'] = cookie(request, '', 0)
      return { signed_out: true }
    })
}
