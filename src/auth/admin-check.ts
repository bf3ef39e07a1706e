// Who may use the admin API besides the holder of the admin key: a Keycloak identity holding the
// configured admin role (`auth.keycloak.admin_role`). Keys never grant admin.
import type { Identity } from './identity'

export type AdminCheck = (identity: Identity) => boolean

export function keycloakAdminCheck(adminRole: string | null): AdminCheck {
  if (adminRole === null || adminRole === '') return () => false
  return (identity) => identity.source === 'keycloak' && (identity.roles ?? []).includes(adminRole)
}
