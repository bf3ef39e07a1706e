// Who a request is from, as every authentication provider reports it. The rest of the gateway
// (quota, routing, metrics) reads only this, never the credential itself.

export interface Identity {
  /** Stable user id: the key's user for gateway/static keys, the token's `sub` for Keycloak. */
  user: string
  /** Subscription tier name, e.g. `free`, `pro`, `enterprise`. */
  tier: string
  /** Display name: the key's label or Keycloak's `preferred_username`. */
  name?: string
  /** Public id of the gateway key used (never the key itself). */
  keyId?: string
  source: 'static-key' | 'gateway-key' | 'keycloak'
  /** Role-like values from the token (realm roles plus the configured tier claim), for admin checks. */
  roles?: string[]
}
