// Admin HTTP API for gateway keys: POST /admin/keys (returns the key once), GET /admin/keys,
// DELETE /admin/keys/:id. Allowed with GATEWAY_ADMIN_KEY (compared in constant time) or with an
// identity that `isAdmin` accepts (a Keycloak token holding the configured admin role). The caller
// is checked before a byte of the body is read, and a body is read only up to ADMIN_BODY_BYTES: an
// anonymous request of any size costs a header check, never a parse.
import { Elysia, t } from 'elysia'
import { timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../../errors/gateway-error'
import { extractCredential } from '../../auth/extract-credential'
import { hashCredential } from '../../auth/hash-credential'
import { addressOf } from '../middleware/client-address'
import { readJsonBody } from '../middleware/read-json-body'
import type { AdminCheck } from '../../auth/admin-check'
import type { Authenticate } from '../../auth/create-authenticator'
import type { KeyStore } from '../../auth/key-store'

export interface AdminKeysDeps {
  keyStore: KeyStore
  /** GATEWAY_ADMIN_KEY; unset means only `isAdmin` identities get in. */
  adminKey?: string
  isAdmin: AdminCheck
  authenticate: Authenticate
  /** Known tier names; when given, creating a key for another tier is a 400. */
  tiers?: string[]
}

/** A store that is down answers 503, never a 500. */
async function fromStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GatewayError) throw error
    throw new GatewayError(503, 'api_error', 'key store unavailable; try again shortly')
  }
}

/** A key creation is a few hundred bytes; anything far larger is not one. */
export const ADMIN_BODY_BYTES = 16 * 1024

export function adminKeysRoutes(deps: AdminKeysDeps) {
  const adminKeyHash = deps.adminKey ? Buffer.from(hashCredential(deps.adminKey), 'hex') : undefined
  const isAdmin = deps.isAdmin

  async function requireAdmin(request: Request): Promise<void> {
    const headers = request.headers
    const credential = extractCredential(headers)
    if (credential === null) throw new GatewayError(401, 'authentication_error', 'missing credential')
    // Hashing first gives equal-length buffers, so the comparison is constant-time whatever the input.
    if (adminKeyHash && timingSafeEqual(adminKeyHash, Buffer.from(hashCredential(credential), 'hex'))) return
    const identity = await deps.authenticate(headers, addressOf(request))
    if (!isAdmin(identity)) throw new GatewayError(403, 'permission_error', 'admin access required')
  }

  // Requests already let in by the body parser, so that the check before the handler need not repeat it.
  const admitted = new WeakSet<Request>()
  return new Elysia({ name: 'admin-keys' })
    .onBeforeHandle({ as: 'local' }, async ({ request }) => {
      if (!admitted.has(request)) await requireAdmin(request)
    })
    .post(
      '/admin/keys',
      async ({ body, set }) => {
        if (deps.tiers && !deps.tiers.includes(body.tier)) {
          throw new GatewayError(400, 'invalid_request_error', `unknown tier "${body.tier}"`, { param: 'tier' })
        }
        const created = await fromStore(() => deps.keyStore.create(body))
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return created
      },
      {
        // Replaces Elysia's body parser, which would read and validate any body before the check.
        parse: async ({ request }) => {
          await requireAdmin(request)
          admitted.add(request)
          return readJsonBody(request, ADMIN_BODY_BYTES)
        },
        body: t.Object({
          user: t.String({ minLength: 1, maxLength: 256 }),
          tier: t.String({ minLength: 1, maxLength: 64 }),
          name: t.Optional(t.String({ maxLength: 256 })),
        }),
      },
    )
    .get('/admin/keys', async () => ({ object: 'list', data: await fromStore(() => deps.keyStore.list()) }))
    .delete(
      '/admin/keys/:id',
      async ({ params }) => {
        if (!(await fromStore(() => deps.keyStore.revoke(params.id)))) {
          throw new GatewayError(404, 'not_found_error', `no key with id "${params.id}"`)
        }
        return { id: params.id, revoked: true }
      },
      { params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }) },
    )
}
