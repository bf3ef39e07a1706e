// Keys a user manages themselves, where their tier allows it (`tiers.<tier>.self_service_keys`):
// GET /keys (their own, one page), POST /keys (a new key for themselves, on their own tier, shown
// once), DELETE /keys/:id (only a key of their own). Creations and revocations are audited.
import { Elysia, t } from 'elysia'
import { usageSubject } from '../../auth/identity'
import type { KeyStore } from '../../auth/key-store'
import type { GatewayConfig } from '../../config/config-types'
import { GatewayError } from '../../errors/gateway-error'
import { configuredTier } from '../../routing/resolve-model'
import type { AuditLog } from '../../usage/audit-log'
import { type PrincipalOf, userOf } from '../middleware/principal'
import { audit, fromStore } from './store-calls'

export interface SelfKeysDeps {
  config: GatewayConfig
  principalOf: PrincipalOf
  keyStore: KeyStore
  auditLog: AuditLog | null
}

/** Active keys a user may hold: enough for every machine, not enough to flood the store. */
export const MAX_OWN_KEYS = 20
/** Keys a user may have made at all, revoked ones included: creating and revoking in a loop ends here. */
export const MAX_OWN_KEYS_EVER = 200

export function selfKeysRoutes(deps: SelfKeysDeps) {
  // A user's creations run one after another: counting their keys and making one is two store
  // calls, and creations arriving together would all count the same keys and all pass the caps.
  // This holds within one process (the embedded store's only one); replicas on Redis may each let
  // one creation through at a time.
  const creating = new Map<string, Promise<unknown>>()
  function oneAtATime<T>(owner: string, work: () => Promise<T>): Promise<T> {
    const before = creating.get(owner) ?? Promise.resolve()
    const done = before.then(work, work)
    const settled = done.catch(() => {})
    creating.set(owner, settled)
    void settled.then(() => {
      if (creating.get(owner) === settled) creating.delete(owner)
    })
    return done
  }

  return new Elysia({ name: 'self-keys' })
    .derive({ as: 'local' }, async ({ request }) => {
      const identity = userOf(await deps.principalOf(request))
      const tier = configuredTier(deps.config, identity.tier)
      // Keys are made for, and listed by, the user as quota counts them: a Keycloak user's keys
      // carry their namespaced id, so that the keys share the user's quota instead of adding one.
      return { identity, owner: usageSubject(identity), selfService: tier.self_service_keys }
    })
    .get(
      '/keys',
      async ({ owner, selfService, query }) => {
        const page = await fromStore('key', () => deps.keyStore.page({ user: owner, limit: query.limit ?? 100, ...(query.cursor ? { cursor: query.cursor } : {}) }))
        return { object: 'list', self_service_keys: selfService, data: page.data, has_more: page.nextCursor !== null, next_cursor: page.nextCursor }
      },
      { query: t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })), cursor: t.Optional(t.String({ maxLength: 32 })) }) },
    )
    .post(
      '/keys',
      async ({ identity, owner, selfService, body, set }) => {
        if (!selfService) throw new GatewayError(403, 'permission_error', `the ${identity.tier} tier does not let its users create keys; ask an operator`)
        const created = await oneAtATime(owner, async () => {
          const own = await fromStore('key', () => deps.keyStore.page({ user: owner, limit: MAX_OWN_KEYS_EVER }))
          if (own.data.filter((k) => !k.revokedAt).length >= MAX_OWN_KEYS) {
            throw new GatewayError(409, 'invalid_request_error', `at most ${MAX_OWN_KEYS} active keys per user; revoke one first`)
          }
          if (own.data.length >= MAX_OWN_KEYS_EVER) throw new GatewayError(409, 'invalid_request_error', `at most ${MAX_OWN_KEYS_EVER} keys per user, revoked ones included; ask an operator`)
          return fromStore('key', () => deps.keyStore.create({ user: owner, tier: identity.tier, ...(body.name ? { name: body.name } : {}) }))
        })
        await audit(deps.auditLog, { actor: owner, action: 'key.create', target: created.id, detail: { user: created.user, tier: created.tier } })
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return created
      },
      { body: t.Object({ name: t.Optional(t.String({ maxLength: 100 })) }) },
    )
    .delete(
      '/keys/:id',
      async ({ identity, owner, selfService, params }) => {
        if (!selfService) throw new GatewayError(403, 'permission_error', `the ${identity.tier} tier does not let its users revoke keys; ask an operator`)
        const key = await fromStore('key', () => deps.keyStore.get(params.id))
        // Another user's key is answered as no key at all: ids are not to be probed.
        if (!key || key.user !== owner) throw new GatewayError(404, 'not_found_error', `no key with id "${params.id}"`)
        await fromStore('key', () => deps.keyStore.revoke(params.id))
        await audit(deps.auditLog, { actor: owner, action: 'key.revoke', target: params.id })
        return { id: params.id, revoked: true }
      },
      { params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }) },
    )
}
