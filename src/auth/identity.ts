// Who a request is from, as every authentication provider reports it. The rest of the gateway
// (quota, routing, metrics) reads only this, never the credential itself.

export interface Identity {
  /** Stable user id: the key's user for gateway/static keys, Keycloak's `sub` for Keycloak tokens and gateway sign-in. */
  user: string
  /** Subscription tier name, e.g. `free`, `pro`, `enterprise`. */
  tier: string
  /** Display name: the key's label or Keycloak's `preferred_username`. */
  name?: string
  /** Public id of the gateway key used (never the key itself). */
  keyId?: string
  /** `gateway-session`: a token this gateway minted after a sign-in through it (the user is the Keycloak `sub`). */
  source: 'static-key' | 'gateway-key' | 'keycloak' | 'gateway-session'
  /** The token's realm roles (never the values of another tier claim), for admin checks. */
  roles?: string[]
}

/**
 * Users of Keycloak, whether they send Keycloak's token or one this gateway minted after a sign-in
 * through Keycloak, are counted under this prefix, gateway and static keys under their bare user
 * id: a key issued for a user named like someone's Keycloak `sub` must not share their quota. Key
 * users are the bare ids so that their counts carry over from before the namespaces existed; key
 * users may not start with it (auth/key-store.ts, config auth.keys).
 */
export const KEYCLOAK_SUBJECT_PREFIX = 'keycloak:'

/** The id under which a user's quota, limits and usage are counted. */
export function usageSubject(identity: Pick<Identity, 'user' | 'source'>): string {
  return identity.source === 'keycloak' || identity.source === 'gateway-session' ? `${KEYCLOAK_SUBJECT_PREFIX}${identity.user}` : identity.user
}
