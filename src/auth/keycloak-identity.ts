// Who a set of Keycloak claims names: the user (`sub`), the tier (the values at `tier_claim`
// through `tier_map`, highest wins) and the roles the admin check reads. Bearer JWTs and the
// gateway's own sign-in map claims the same way, so a user has one tier whichever way they come.
import type { JWTPayload } from 'jose'
import type { Identity } from './identity'
import { readClaimPath } from './read-claim-path'
import { selectTier, type TierSelection } from './select-tier'

export function identityFromClaims(payload: JWTPayload, tierClaim: string, selection: TierSelection): Identity {
  const tierValues = readClaimPath(payload, tierClaim)
  // Admin comes from realm roles only: a tier claim may be a group or an attribute users can set.
  const roles = readClaimPath(payload, 'realm_access.roles')
  const identity: Identity = { user: payload.sub as string, tier: selectTier(tierValues, selection), source: 'keycloak', roles }
  if (typeof payload.preferred_username === 'string') identity.name = payload.preferred_username
  return identity
}
