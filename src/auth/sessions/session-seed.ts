// What a completed sign-in leaves for the session it starts: who signed in, their tier at that
// moment, and Keycloak's refresh token (sealed), with which every refresh of the session asks
// Keycloak again whether the user may still use the gateway, and with which tier.

export interface SessionSeed {
  /** Keycloak's `sub`: the same user id a Keycloak bearer token gives, so quotas are shared. */
  user: string
  /** `preferred_username`, for logs and /quota. */
  name: string | null
  tier: string
  /** Keycloak's refresh token, sealed with the sign-in keys; never stored in the clear. */
  upstreamRefresh: string
}

export function isSessionSeed(v: unknown): v is SessionSeed {
  const s = v as SessionSeed
  return (
    typeof s === 'object' && s !== null && typeof s.user === 'string' && s.user !== '' && (s.name === null || typeof s.name === 'string') && typeof s.tier === 'string' && typeof s.upstreamRefresh === 'string'
  )
}
