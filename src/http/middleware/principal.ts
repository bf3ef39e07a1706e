// Who is calling a route that is not an LLM route: a credential header (a key, a Keycloak token,
// or the admin key), or else the console's session cookie. A change made through a cookie must
// carry the session's CSRF token in `x-csrf-token` and must not come from another site, so that a
// page elsewhere cannot act with the browser's cookie. The LLM routes never read the cookie.
import { timingSafeEqual } from 'node:crypto'
import type { AdminCheck } from '../../auth/admin-check'
import type { ConsoleSession, ConsoleSessions } from '../../auth/console-sessions'
import type { Authenticate } from '../../auth/create-authenticator'
import { extractCredential } from '../../auth/extract-credential'
import { hashCredential } from '../../auth/hash-credential'
import { type Identity, usageSubject } from '../../auth/identity'
import { GatewayError } from '../../errors/gateway-error'
import { addressOf } from './client-address'

export const SESSION_COOKIE = 'llmgw_session'

export interface Principal {
  /** The signed-in user; null for the admin key, which is no user. */
  identity: Identity | null
  admin: boolean
  /** For the audit log: the user id as quota counts it (a Keycloak user's in their namespace), or `admin-key`. */
  actor: string
  /** Set when the caller came with the console's cookie. */
  session: ConsoleSession | null
}

export interface PrincipalDeps {
  authenticate: Authenticate
  sessions: ConsoleSessions | null
  /** GATEWAY_ADMIN_KEY; null when unset. */
  adminKey: string | null
  isAdmin: AdminCheck
}

export type PrincipalOf = (request: Request) => Promise<Principal>

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The value of one cookie, or null; a cookie header is bounded before it is read. */
export function readCookie(header: string | null, name: string): string | null {
  if (header === null || header.length > 8192) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A change through a cookie: same site, and the session's CSRF token. Throws a 403 otherwise. */
export function checkCsrf(request: Request, session: ConsoleSession): void {
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none') throw new GatewayError(403, 'permission_error', 'cross-site request refused')
  const origin = request.headers.get('origin')
  const host = request.headers.get('host')
  if (origin !== null && host !== null) {
    let originHost: string | null = null
    try {
      originHost = new URL(origin).host
    } catch {}
    if (originHost !== host) throw new GatewayError(403, 'permission_error', 'cross-site request refused')
  }
  const token = request.headers.get('x-csrf-token')
  if (token === null || !equalText(token, session.csrfToken)) throw new GatewayError(403, 'permission_error', 'missing or wrong x-csrf-token')
}

/** A session that could not be resolved: the resolver's own 503 (Keycloak unreachable) as it is, anything else the store's. */
export function storeUnavailable(error: unknown): never {
  if (error instanceof GatewayError) throw error
  throw new GatewayError(503, 'api_error', 'session store unavailable; try again shortly')
}

export function createPrincipalResolver(deps: PrincipalDeps): PrincipalOf {
  const adminKeyHash = deps.adminKey ? Buffer.from(hashCredential(deps.adminKey), 'hex') : null
  return async function principalOf(request) {
    const credential = extractCredential(request.headers)
    if (credential !== null) {
      // Hashing first gives equal-length buffers, so the comparison is constant-time whatever the input.
      if (adminKeyHash && timingSafeEqual(adminKeyHash, Buffer.from(hashCredential(credential), 'hex'))) return { identity: null, admin: true, actor: 'admin-key', session: null }
      const identity = await deps.authenticate(request.headers, addressOf(request))
      return { identity, admin: deps.isAdmin(identity), actor: usageSubject(identity), session: null }
    }
    const id = deps.sessions ? readCookie(request.headers.get('cookie'), SESSION_COOKIE) : null
    if (id && deps.sessions) {
      const session = await deps.sessions.resolve(id, deps.isAdmin).catch(storeUnavailable)
      if (session) {
        if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session)
        return { identity: session.identity, admin: session.admin, actor: session.identity ? usageSubject(session.identity) : 'admin-key', session }
      }
    }
    throw new GatewayError(401, 'authentication_error', 'missing credential: send x-api-key or Authorization: Bearer')
  }
}

/** The caller as a user; the admin key is none (it may not have quota, usage or keys of its own). */
export function userOf(principal: Principal): Identity {
  if (principal.identity === null) throw new GatewayError(403, 'permission_error', 'the admin key is not a user; sign in with a user key for this')
  return principal.identity
}

export function requireAdmin(principal: Principal): void {
  if (!principal.admin) throw new GatewayError(403, 'permission_error', 'admin access required')
}
