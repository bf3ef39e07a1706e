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
  /** `gateway-session`: a token this gateway minted after a sign-in through it. */
  source: 'static-key' | 'gateway-key' | 'keycloak' | 'gateway-session'
  /** Role-like values from the token (realm roles plus the configured tier claim), for admin checks. */
  roles?: string[]
}
