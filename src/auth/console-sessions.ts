// Console sign-in: a credential is exchanged once for a session id, which the browser keeps in an
// HttpOnly cookie (the credential itself never reaches browser storage). Each use of the session
// checks it again by the method that opened it, so a revoked key or a changed admin key ends it.
// The session also carries a CSRF token that every change made through it must send back.
import { timingSafeEqual } from 'node:crypto'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import type { SessionMethod, SessionRecord, SessionStore } from './session-store'

export interface ConsoleSessionsOptions {
  store: SessionStore
  /** The identity of a static or gateway key by its hash; null when unknown or revoked. */
  identityOfKeyHash: (hash: string) => Promise<Identity | null>
  /** GATEWAY_ADMIN_KEY, when set. */
  adminKey: string | null
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
  /** The session of a cookie value; null when unknown, expired or no longer valid. */
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
  const token = () => Buffer.from(random(32)).toString('base64url')

  function view(record: SessionRecord, identity: Identity | null, isAdmin: (identity: Identity) => boolean): ConsoleSession {
    return { identity, admin: record.method === 'admin-key' || (identity !== null && isAdmin(identity)), csrfToken: record.csrfToken, method: record.method, expiresAt: record.expiresAt }
  }

  /** Whether the credential behind a session still works, and who it is now. */
  async function recheck(record: SessionRecord): Promise<{ valid: boolean; identity: Identity | null }> {
    switch (record.method) {
      case 'admin-key':
        return { valid: adminHash !== null && sameHash(adminHash, record.credentialHash), identity: null }
      case 'key': {
        const identity = await options.identityOfKeyHash(record.credentialHash)
        return { valid: identity !== null, identity }
      }
      default: {
        const never_: never = record.method
        return { valid: false, identity: never_ }
      }
    }
  }

  return {
    ttlSeconds,
    async open(credential, isAdmin) {
      const credentialHash = hashCredential(credential)
      let method: SessionMethod
      let identity: Identity | null = null
      if (adminHash !== null && sameHash(adminHash, credentialHash)) method = 'admin-key'
      else {
        identity = await options.identityOfKeyHash(credentialHash)
        if (identity === null) return null
        method = 'key'
      }
      const id = token()
      const record: SessionRecord = { method, credentialHash, identity, csrfToken: token(), expiresAt: now() + ttlSeconds * 1000 }
      await options.store.put(hashCredential(id), record)
      return { id, session: view(record, identity, isAdmin) }
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
      const { valid, identity } = await recheck(record)
      if (!valid) {
        await options.store.delete(idHash)
        return null
      }
      return view(record, identity, isAdmin)
    },
    async end(id) {
      if (SESSION_ID.test(id)) await options.store.delete(hashCredential(id))
    },
  }
}
