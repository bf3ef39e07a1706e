// Sign-in through the gateway, assembled: Keycloak as the identity provider (an OIDC client with
// PKCE), the device grants Claude Code polls, the sessions behind refresh tokens, the access
// tokens the gateway mints, and the keys all of them use; and the grants the console's browser
// sign-in opens its sessions with. The HTTP routes (../../http/routes/sign-in/) only translate
// between this and the wire.
import { GatewayError } from '../../errors/gateway-error'
import type { KeycloakGrant, RenewKeycloakGrant } from '../keycloak-grant'
import { type OidcClient, OidcError, type OidcTokens, createOidcClient } from '../oidc/oidc-client'
import { createSignInTransactions, type SignInTransactions } from '../oidc/sign-in-transaction'
import { identityFromClaims } from '../keycloak-identity'
import type { TierSelection } from '../select-tier'
import { createDeviceGrants, type DeviceGrants } from './device-grants'
import { deriveSessionKeys, generateSessionSecret, type SessionKeys } from './session-keys'
import type { SessionSeed } from './session-seed'
import { createSessionTokens, type SessionTokens } from './session-tokens'
import { createSessions, type RefreshUpstream, type Sessions } from './sessions'
import type { SignInStore } from './sign-in-store'

export interface SignInOptions {
  /** The gateway's public URL: the issuer of its tokens and the origin of its sign-in pages. */
  publicUrl: string
  keycloak: { issuer: string; clientId: string; clientSecret: string | null; tierClaim: string; tierSelection: TierSelection }
  store: SignInStore
  /** `auth.sessions.signing_key`; null: the store's shared secret. */
  signingKey: string | null
  accessTtlS: number
  refreshTtlS: number
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  now?: () => number
}

/** What the browser part of a device sign-in carries from the verification page to the callback. */
export interface DeviceSignIn {
  purpose: 'device'
  grantId: string
  userCode: string
}

/** A sign-in started on the console's sign-in page: it ends in a console session. */
export interface ConsoleSignIn {
  purpose: 'console'
}

/** What a browser sign-in is for; both come back to the one callback (`<public_url>/oauth/callback`). */
export type BrowserSignIn = DeviceSignIn | ConsoleSignIn

export interface SignIn {
  readonly publicUrl: string
  readonly tokens: SessionTokens
  readonly deviceGrants: DeviceGrants
  readonly sessions: Sessions
  /** The issuer's origin, where the verification page sends browsers (for its Content-Security-Policy). */
  readonly identityProviderOrigin: string
  transactions(): Promise<SignInTransactions<BrowserSignIn>>
  /** The session a finished device sign-in starts: who it is and their tier, from Keycloak's tokens. */
  seedFrom(tokens: OidcTokens, idSubject: string): Promise<SessionSeed>
  /** What a finished console sign-in opens its session with: the identity, roles included, and the sealed refresh token. */
  grantFrom(tokens: OidcTokens, idSubject: string): Promise<KeycloakGrant>
  /** Asks Keycloak again for the user of a grant. */
  renewGrant: RenewKeycloakGrant
}

/** Keycloak grants refresh tokens that outlive its SSO session (hours) only with offline_access. */
export const SIGN_IN_SCOPE = 'openid offline_access'
/**
 * The console asks for no offline token: its sessions end with the user's Keycloak session (idle
 * and maximum lifetimes, sign-out at Keycloak), as a browser application's should.
 */
export const CONSOLE_SIGN_IN_SCOPE = 'openid'
/** How long a browser may take from the gateway's page through Keycloak's login form and back. */
export const TRANSACTION_TTL_MS = 10 * 60_000
const REFRESH_PURPOSE = 'keycloak-refresh-token'

/** Memoises a successful async result; a failure is tried again on the next call. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () =>
    (pending ??= make().catch((error) => {
      pending = undefined
      throw error
    }))
}

export function createSignIn(options: SignInOptions): SignIn {
  const { publicUrl, keycloak, store } = options
  const now = options.now ?? Date.now
  const client: OidcClient = createOidcClient({
    issuer: keycloak.issuer,
    clientId: keycloak.clientId,
    clientSecret: keycloak.clientSecret,
    redirectUri: `${publicUrl}/oauth/callback`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    now,
  })
  const keys = once<SessionKeys>(async () => {
    if (options.signingKey !== null) return deriveSessionKeys(options.signingKey)
    try {
      return deriveSessionKeys(await store.sharedSecret(generateSessionSecret()))
    } catch {
      // The key lives in the store: until it answers, minted tokens can be neither made nor checked.
      throw new GatewayError(503, 'api_error', 'sign-in store unavailable; try again shortly')
    }
  })
  const tokens = createSessionTokens({ keys, issuer: publicUrl, ttlS: options.accessTtlS, now })

  async function grantFrom(oidcTokens: OidcTokens, idSubject: string): Promise<KeycloakGrant> {
    if (oidcTokens.refreshToken === null) throw new OidcError('invalid_grant', 'Keycloak issued no refresh token (for sign-in from Claude Code: does the user hold the offline_access role?)')
    const claims = await client.verifyAccessToken(oidcTokens.accessToken)
    if (claims.sub !== idSubject) throw new OidcError('invalid_grant', 'Keycloak tokens name different users')
    const identity = identityFromClaims(claims, keycloak.tierClaim, keycloak.tierSelection)
    const { box } = await keys()
    return { identity, sealedRefresh: box.seal(oidcTokens.refreshToken, `${REFRESH_PURPOSE}:${identity.user}`), refreshExpiresInS: oidcTokens.refreshExpiresIn }
  }

  const seedOf = ({ identity, sealedRefresh }: KeycloakGrant): SessionSeed => ({ user: identity.user, name: identity.name ?? null, tier: identity.tier, upstreamRefresh: sealedRefresh })

  const renewGrant: RenewKeycloakGrant = async ({ sealedRefresh, user }) => {
    const { box } = await keys()
    const refreshToken = box.open(sealedRefresh, `${REFRESH_PURPOSE}:${user}`)
    // Sealed under a signing key that has since changed: only a new sign-in can help.
    if (refreshToken === null) return { ok: false, kind: 'invalid_grant', reason: 'session sealed with another signing key' }
    try {
      const answer = await client.refresh(refreshToken)
      // Keycloak may keep the same refresh token (offline tokens without rotation).
      return { ok: true, grant: await grantFrom({ ...answer, refreshToken: answer.refreshToken ?? refreshToken }, user) }
    } catch (error) {
      if (error instanceof OidcError) return { ok: false, kind: error.kind, reason: error.message }
      throw error
    }
  }

  const refreshUpstream: RefreshUpstream = async (seed) => {
    const answer = await renewGrant({ sealedRefresh: seed.upstreamRefresh, user: seed.user })
    return answer.ok ? { ok: true, seed: seedOf(answer.grant) } : answer
  }

  return {
    publicUrl,
    tokens,
    deviceGrants: createDeviceGrants({ store, now }),
    sessions: createSessions({ store, tokens, refreshUpstream, refreshTtlS: options.refreshTtlS, now }),
    identityProviderOrigin: new URL(keycloak.issuer).origin,
    transactions: once(async () => createSignInTransactions<BrowserSignIn>({ client, box: (await keys()).box, ttlMs: TRANSACTION_TTL_MS, now })),
    seedFrom: async (oidcTokens, idSubject) => seedOf(await grantFrom(oidcTokens, idSubject)),
    grantFrom,
    renewGrant,
  }
}
