// Where gateway keys live: the embedded SQLite store by default, Redis when replicas share state.
// Stores hold only the SHA-256 hash of a key; the key itself exists once, in `create`'s answer.
import { GatewayError } from '../errors/gateway-error'
import { KEYCLOAK_SUBJECT_PREFIX } from './identity'

export interface GatewayKeyRecord {
  /** Short public id, safe to show and log; `keys revoke` takes it. */
  id: string
  user: string
  tier: string
  name?: string
  /** RFC 3339. */
  createdAt: string
  /** RFC 3339, set once the key is revoked. */
  revokedAt?: string
}

export interface CreatedGatewayKey extends GatewayKeyRecord {
  /** The key in plain text: returned by `create` only, shown once, never stored. */
  key: string
}

export interface NewGatewayKey {
  user: string
  tier: string
  name?: string
}

export interface KeyPageQuery {
  /** Only this user's keys. */
  user?: string
  /** At most this many keys (1-1000). */
  limit: number
  /** Where the previous page ended: its `nextCursor`. */
  cursor?: string | null
}

export interface KeyPage {
  data: GatewayKeyRecord[]
  /** Null on the last page. */
  nextCursor: string | null
}

/** The largest page a caller may ask for. */
export const MAX_KEY_PAGE = 1000

export interface KeyStore {
  create(input: NewGatewayKey): Promise<CreatedGatewayKey>
  /** Every key, revoked ones included (with `revokedAt`), oldest first. For the command line; servers page. */
  list(): Promise<GatewayKeyRecord[]>
  /** One page of keys, oldest first, revoked ones included; the work is bounded by `limit`, whatever the number of keys. */
  page(query: KeyPageQuery): Promise<KeyPage>
  /** A key by its public id, revoked or not; null when there is none. */
  get(id: string): Promise<GatewayKeyRecord | null>
  /** Revokes a key by its public id; false when no such key exists. Revoking twice is fine. */
  revoke(id: string): Promise<boolean>
  /** The active key whose SHA-256 hex hash this is; null when unknown or revoked. */
  findByHash(hash: string): Promise<GatewayKeyRecord | null>
  close(): Promise<void>
}

export function validateNewKey(input: NewGatewayKey): void {
  if (typeof input.user !== 'string' || input.user.trim() === '') throw new GatewayError(400, 'invalid_request_error', 'a key needs a user', { param: 'user' })
  if (typeof input.tier !== 'string' || input.tier.trim() === '') throw new GatewayError(400, 'invalid_request_error', 'a key needs a tier', { param: 'tier' })
}

/**
 * A key an operator makes (admin API, command line) may not name a user in the namespace of
 * Keycloak users: it would count against someone's Keycloak quota. A key a Keycloak user makes for
 * themselves (self-service) is theirs, and carries their namespaced id on purpose.
 */
export function checkOperatorKeyUser(user: string): void {
  if (user.startsWith(KEYCLOAK_SUBJECT_PREFIX)) throw new GatewayError(400, 'invalid_request_error', `a key's user may not start with "${KEYCLOAK_SUBJECT_PREFIX}" (the namespace of Keycloak users)`, { param: 'user' })
}
