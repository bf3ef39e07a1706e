// What a browser sign-in through Keycloak leaves for a session that must keep checking itself: who
// signed in (their tier and realm roles, mapped as for bearer JWTs), and Keycloak's refresh token,
// sealed, with which the session asks Keycloak again later whether that user may still come in.
import type { Identity } from './identity'

export interface KeycloakGrant {
  /** A `keycloak` identity: its user is Keycloak's `sub`, counted in the `keycloak:` namespace. */
  identity: Identity
  /** Keycloak's refresh token, sealed with the sign-in keys; never stored in the clear. */
  sealedRefresh: string
  /** Seconds Keycloak gives the refresh token; null when it did not say or it does not expire. */
  refreshExpiresInS: number | null
}

/** Asks Keycloak again with the sealed refresh token: a fresh grant, or why not. */
export type RenewKeycloakGrant = (
  grant: Pick<KeycloakGrant, 'sealedRefresh'> & { user: string },
) => Promise<{ ok: true; grant: KeycloakGrant } | { ok: false; kind: 'invalid_grant' | 'unavailable'; reason: string }>
