// Where console sessions live: beside the keys (SQLite `keys.db`, or Redis so that every replica
// knows every session). A session is stored under the SHA-256 of its id, so the store never holds
// what the browser's cookie holds.
import type { Identity } from './identity'

/**
 * How a session was opened. `key`: a static or gateway key, checked again on every use, so that
 * revoking the key ends its sessions. `admin-key`: GATEWAY_ADMIN_KEY. `keycloak`: a browser
 * sign-in through Keycloak, checked again against Keycloak every few minutes.
 */
export type SessionMethod = 'key' | 'admin-key' | 'keycloak'

interface SessionBase {
  /** The signed-in user; null for the admin key, which is no user. */
  identity: Identity | null
  /** Sent back by the console on every change (x-csrf-token), compared with this. */
  csrfToken: string
  /** ms since the epoch. */
  expiresAt: number
}

export interface CredentialSessionRecord extends SessionBase {
  method: 'key' | 'admin-key'
  /** SHA-256 of the credential the session was opened with. */
  credentialHash: string
}

export interface KeycloakSessionRecord extends SessionBase {
  method: 'keycloak'
  identity: Identity
  /** Keycloak's refresh token, sealed (see ./keycloak-grant.ts). */
  sealedRefresh: string
  /** When Keycloak last confirmed the user (ms since the epoch). */
  checkedAt: number
}

export type SessionRecord = CredentialSessionRecord | KeycloakSessionRecord

export interface SessionStore {
  put(idHash: string, record: SessionRecord): Promise<void>
  get(idHash: string): Promise<SessionRecord | null>
  delete(idHash: string): Promise<void>
  close(): Promise<void>
}
