// Console sign-in: a credential is exchanged once for a session id, which the browser keeps in an
// HttpOnly cookie (the credential itself never reaches browser storage). Each use of the session
// checks it again by the method that opened it, so a revoked key or a changed admin key ends it.
// A session opened by a sign-in through Keycloak asks Keycloak again (its refresh grant) once its
// last answer is older than `recheckMs`: a user disabled there, signed out of Keycloak, or whose
// roles changed, is seen within that time; it lives as long as Keycloak's refresh token does.
// The session also carries a CSRF token that every change made through it must send back.
import { timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import type { KeycloakGrant, RenewKeycloakGrant } from './keycloak-grant'
import type { KeycloakSessionRecord, SessionMethod, SessionRecord, SessionStore } from './session-store'

export interface ConsoleSessionsOptions {
  store: SessionStore
  /** The identity of a static or gateway key by its hash; null when unknown or revoked. */
  identityOfKeyHash: (hash: string) => Promise<Identity | null>
  /** GATEWAY_ADMIN_KEY, when set. */
  adminKey: string | null
  /** Sign-in through Keycloak, when on: how to ask Keycloak again, and how long an answer holds. */
  keycloak?: { renew: RenewKeycloakGrant; recheckMs: number } | null
  ttlSeconds?: number
  now?: () => number
  randomBytes?: (n: number) => Uint8Array
}

/** A live session, as the routes see it. */
export interface ConsoleSession {
  identity: Identity | null
  admin: boolean
  csrfToken: string
  method: SessionMethod
  expiresAt: number
}

export interface ConsoleSessions {
  /** Opens a session for a key or the admin key; null when the credential is not valid. */
  open(credential: string, isAdmin: (identity: Identity) => boolean): Promise<{ id: string; session: ConsoleSession } | null>
  /** Opens a session for a completed sign-in through Keycloak. */
  openKeycloak(grant: KeycloakGrant, isAdmin: (identity: Identity) => boolean): Promise<{ id: string; session: ConsoleSession }>
  /**
   * The session of a cookie value; null when unknown, expired or no longer valid. Throws a 503
   * GatewayError when Keycloak must be asked and cannot be (the session is kept for later).
   */
  resolve(id: string, isAdmin: (identity: Identity) => boolean): Promise<ConsoleSession | null>
  end(id: string): Promise<void>
  readonly ttlSeconds: number
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

export function createConsoleSessions(options: ConsoleSessionsOptions): ConsoleSessions {
  const ttlSeconds = options.ttlSeconds ?? 12 * 3600
  const now = options.now ?? Date.now
  const random = options.randomBytes ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)))
  const adminHash = options.adminKey ? hashCredential(options.adminKey) : null
  const keycloak = options.keycloak ?? null
  const token = () => Buffer.from(random(32)).toString('base64url')
  /** Renewals under way, by session: the page's parallel requests share one call to Keycloak. */
  const renewing = new Map<string, Promise<KeycloakSessionRecord | null>>()

  function view(record: SessionRecord, identity: Identity | null, isAdmin: (identity: Identity) => boolean): ConsoleSession {
    return { identity, admin: record.method === 'admin-key' || (identity !== null && isAdmin(identity)), csrfToken: record.csrfToken, method: record.method, expiresAt: record.expiresAt }
  }

  /** As long as Keycloak's refresh token, within the console's own session lifetime. */
  const keycloakExpiry = (at: number, grant: KeycloakGrant) => at + Math.min(grant.refreshExpiresInS ?? ttlSeconds, ttlSeconds) * 1000

  async function renew(idHash: string, record: KeycloakSessionRecord, renewGrant: RenewKeycloakGrant): Promise<KeycloakSessionRecord | null> {
    const answer = await renewGrant({ sealedRefresh: record.sealedRefresh, user: record.identity.user })
    if (answer.ok) {
      const at = now()
      const renewed: KeycloakSessionRecord = { ...record, identity: answer.grant.identity, sealedRefresh: answer.grant.sealedRefresh, checkedAt: at, expiresAt: keycloakExpiry(at, answer.grant) }
      await options.store.put(idHash, renewed)
      return renewed
    }
    // Keycloak could not be asked: the session stays for when it can, but is not used unchecked.
    if (answer.kind === 'unavailable') throw new GatewayError(503, 'api_error', 'the identity provider cannot be reached to check this session; try again shortly')
    // Refused: unless another replica renewed it meanwhile (Keycloak may rotate refresh tokens).
    const current = await options.store.get(idHash)
    return current?.method === 'keycloak' && current.checkedAt > record.checkedAt ? current : null
  }

  /** Whether the credential behind a session still works, and the session as it is now. */
  async function recheck(idHash: string, record: SessionRecord): Promise<{ record: SessionRecord; identity: Identity | null } | null> {
    switch (record.method) {
      case 'admin-key':
        return adminHash !== null && sameHash(adminHash, record.credentialHash) ? { record, identity: null } : null
      case 'key': {
        const identity = await options.identityOfKeyHash(record.credentialHash)
        return identity === null ? null : { record, identity }
      }
      case 'keycloak': {
        // Sign-in through Keycloak was turned off: nothing can check the session any more.
        if (keycloak === null) return null
        if (now() - record.checkedAt < keycloak.recheckMs) return { record, identity: record.identity }
        let pending = renewing.get(idHash)
        if (pending === undefined) {
          pending = renew(idHash, record, keycloak.renew).finally(() => renewing.delete(idHash))
          renewing.set(idHash, pending)
        }
        const renewed = await pending
        return renewed === null ? null : { record: renewed, identity: renewed.identity }
      }
      default: {
        // A method this version does not know (a record written by a newer one) is not trusted.
        const unknown_: never = record
        void unknown_
        return null
      }
    }
  }

  async function openRecord(record: SessionRecord, isAdmin: (identity: Identity) => boolean): Promise<{ id: string; session: ConsoleSession }> {
    const id = token()
    await options.store.put(hashCredential(id), record)
    return { id, session: view(record, record.identity, isAdmin) }
  }

  return {
    ttlSeconds,
    async open(credential, isAdmin) {
      const credentialHash = hashCredential(credential)
      const expiresAt = now() + ttlSeconds * 1000
      if (adminHash !== null && sameHash(adminHash, credentialHash)) return openRecord({ method: 'admin-key', credentialHash, identity: null, csrfToken: token(), expiresAt }, isAdmin)
      const identity = await options.identityOfKeyHash(credentialHash)
      if (identity === null) return null
      return openRecord({ method: 'key', credentialHash, identity, csrfToken: token(), expiresAt }, isAdmin)
    },
    openKeycloak(grant, isAdmin) {
      const at = now()
      return openRecord({ method: 'keycloak', identity: grant.identity, sealedRefresh: grant.sealedRefresh, checkedAt: at, csrfToken: token(), expiresAt: keycloakExpiry(at, grant) }, isAdmin)
    },
    async resolve(id, isAdmin) {
      if (!SESSION_ID.test(id)) return null
      const idHash = hashCredential(id)
      const record = await options.store.get(idHash)
      if (!record) return null
      if (record.expiresAt <= now()) {
        await options.store.delete(idHash)
        return null
      }
      const current = await recheck(idHash, record)
      if (current === null) {
        await options.store.delete(idHash)
        return null
      }
      return view(current.record, current.identity, isAdmin)
    },
    async end(id) {
      if (SESSION_ID.test(id)) await options.store.delete(hashCredential(id))
    },
  }
}
