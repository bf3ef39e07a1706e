// Admin HTTP API for gateway keys: POST /admin/keys (returns the key once), GET /admin/keys (one
// page at a time, optionally one user's), DELETE /admin/keys/:id. Allowed with GATEWAY_ADMIN_KEY
// (compared in constant time), an identity that `isAdmin` accepts (a Keycloak token holding the
// configured admin role), or a console session of either. Creations and revocations are audited.
// The caller is checked before a byte of the body is read, and a body is read only up to
// ADMIN_BODY_BYTES: an anonymous request of any size costs a header check, never a parse.
import { Elysia, t } from 'elysia'
import type { AdminCheck } from '../../auth/admin-check'
import type { ConsoleSessions } from '../../auth/console-sessions'
import type { Authenticate } from '../../auth/create-authenticator'
import { checkOperatorKeyUser, type KeyStore } from '../../auth/key-store'
import { GatewayError } from '../../errors/gateway-error'
import type { AuditLog } from '../../usage/audit-log'
import { createPrincipalResolver, type Principal, type PrincipalOf, requireAdmin } from '../middleware/principal'
import { readJsonBody } from '../middleware/read-json-body'
import { audit, fromStore } from './store-calls'

export interface AdminKeysDeps {
  keyStore: KeyStore
  /** GATEWAY_ADMIN_KEY; unset means only `isAdmin` identities get in. */
  adminKey?: string
  isAdmin: AdminCheck
  authenticate: Authenticate
  /** Known tier names; when given, creating a key for another tier is a 400. */
  tiers?: string[]
  sessions?: ConsoleSessions | null
  auditLog?: AuditLog | null
  /** Built from the fields above when not given. */
  principalOf?: PrincipalOf
}

/** The page size of GET /admin/keys when the caller names none. */
const DEFAULT_PAGE = 100

/** A key creation is a few hundred bytes; anything far larger is not one. */
export const ADMIN_BODY_BYTES = 16 * 1024

export function adminKeysRoutes(deps: AdminKeysDeps) {
  const principalOf =
    deps.principalOf ?? createPrincipalResolver({ authenticate: deps.authenticate, sessions: deps.sessions ?? null, adminKey: deps.adminKey ?? null, isAdmin: deps.isAdmin })
  const log = deps.auditLog ?? null
  /** Callers already let in by the body parser, so that the derive step need not check them again. */
  const admitted = new WeakMap<Request, Principal>()
  async function admin(request: Request): Promise<Principal> {
    const principal = admitted.get(request) ?? (await principalOf(request))
    requireAdmin(principal)
    return principal
  }

  return new Elysia({ name: 'admin-keys' })
    .derive({ as: 'local' }, async ({ request }) => ({ principal: await admin(request) }))
    .post(
      '/admin/keys',
      async ({ body, set, principal }) => {
        if (deps.tiers && !deps.tiers.includes(body.tier)) {
          throw new GatewayError(400, 'invalid_request_error', `unknown tier "${body.tier}"`, { param: 'tier' })
        }
        checkOperatorKeyUser(body.user)
        const created = await fromStore('key', () => deps.keyStore.create(body))
        await audit(log, { actor: principal.actor, action: 'key.create', target: created.id, detail: { user: created.user, tier: created.tier } })
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return created
      },
      {
        // Replaces Elysia's body parser, which would read and validate any body before the check.
        parse: async ({ request }) => {
          admitted.set(request, await admin(request))
          return readJsonBody(request, ADMIN_BODY_BYTES)
        },
        body: t.Object({
          user: t.String({ minLength: 1, maxLength: 256 }),
          tier: t.String({ minLength: 1, maxLength: 64 }),
          name: t.Optional(t.String({ maxLength: 256 })),
        }),
      },
    )
    .get(
      '/admin/keys',
      async ({ query }) => {
        const page = await fromStore('key', () =>
          deps.keyStore.page({ limit: query.limit ?? DEFAULT_PAGE, ...(query.user ? { user: query.user } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) }),
        )
        return { object: 'list', data: page.data, has_more: page.nextCursor !== null, next_cursor: page.nextCursor }
      },
      {
        query: t.Object({
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
          cursor: t.Optional(t.String({ maxLength: 32 })),
          user: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
        }),
      },
    )
    .delete(
      '/admin/keys/:id',
      async ({ params, principal }) => {
        if (!(await fromStore('key', () => deps.keyStore.revoke(params.id)))) {
          throw new GatewayError(404, 'not_found_error', `no key with id "${params.id}"`)
        }
        await audit(log, { actor: principal.actor, action: 'key.revoke', target: params.id })
        return { id: params.id, revoked: true }
      },
      { params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }) },
    )
}
