// The sessions of signed-in developers, behind their refresh tokens. A refresh token is opaque
// (a session id and 256 random bits), stored only as a hash, and single-use: every refresh
// rotates it, so that a refresh token used on one replica cannot be used again on another. A
// token that was already used coming back means it leaked; the session is then ended for
// everyone holding it (OAuth 2.0 Security BCP, refresh token rotation).
//
// Every refresh also refreshes against Keycloak (`refreshUpstream`): a user disabled there, a
// revoked Keycloak session or offline token, or a changed role takes effect at the next refresh.
// Keycloak refusing is `invalid_grant` (Claude Code then signs in again); Keycloak unreachable
// puts the rotation back and answers `temporarily_unavailable`, so that the client may retry with
// the same token.
import { createHash } from 'node:crypto'
import type { SessionSeed } from './session-seed'
import { isSessionSeed } from './session-seed'
import type { SessionTokens } from './session-tokens'
import type { SignInStore } from './sign-in-store'

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  tier: string
}

export type RefreshAnswer =
  | { ok: true; tokens: IssuedTokens }
  | { ok: false; error: 'invalid_grant' | 'temporarily_unavailable'; reason: string }

/** What Keycloak says now about the user of a session: a new seed, or a refusal. */
export type RefreshUpstream = (seed: SessionSeed) => Promise<{ ok: true; seed: SessionSeed } | { ok: false; kind: 'invalid_grant' | 'unavailable'; reason: string }>

export interface Sessions {
  start(seed: SessionSeed): Promise<IssuedTokens>
  refresh(refreshToken: string): Promise<RefreshAnswer>
}

interface SessionDoc extends SessionSeed {
  secretHash: string
  /** Hashes of the last few refresh tokens of this session already used: one coming back is a leak. */
  used: string[]
  createdAt: number
  refreshedAt: number
}

export const REFRESH_TOKEN_PREFIX = 'gwrt_'
const REFRESH_TOKEN = /^gwrt_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/
const USED_KEPT = 8

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

function parseDoc(value: string): SessionDoc | null {
  try {
    const doc = JSON.parse(value) as SessionDoc
    return isSessionSeed(doc) && typeof doc.secretHash === 'string' && Array.isArray(doc.used) ? doc : null
  } catch {
    return null
  }
}

export function createSessions(options: {
  store: SignInStore
  tokens: SessionTokens
  refreshUpstream: RefreshUpstream
  /** A session without a refresh for this long is gone. */
  refreshTtlS: number
  now?: () => number
  randomBytes?: (n: number) => Uint8Array
}): Sessions {
  const { store, tokens, refreshUpstream } = options
  const ttlMs = options.refreshTtlS * 1000
  const now = options.now ?? Date.now
  const randomBytes = options.randomBytes ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)))
  const b64 = (n: number) => Buffer.from(randomBytes(n)).toString('base64url')
  const put = (id: string, version: number, doc: SessionDoc | null) => store.put('session', id, version, doc === null ? null : JSON.stringify(doc), ttlMs)

  async function issue(sessionId: string, secret: string, seed: SessionSeed): Promise<IssuedTokens> {
    const accessToken = await tokens.mint({ user: seed.user, name: seed.name, tier: seed.tier, sessionId })
    return { accessToken, refreshToken: `${REFRESH_TOKEN_PREFIX}${sessionId}.${secret}`, expiresIn: tokens.ttlS, tier: seed.tier }
  }

  const refuse = (reason: string): RefreshAnswer => ({ ok: false, error: 'invalid_grant', reason })

  return {
    async start(seed) {
      const id = b64(16)
      const secret = b64(32)
      const at = now()
      const doc: SessionDoc = { ...seed, secretHash: sha256(secret), used: [], createdAt: at, refreshedAt: at }
      if (!(await put(id, 0, doc))) throw new Error('session id collision')
      return issue(id, secret, seed)
    },

    async refresh(refreshToken) {
      const match = REFRESH_TOKEN.exec(refreshToken)
      if (!match) return refuse('malformed refresh token')
      const [, id, presented] = match as unknown as [string, string, string]
      const record = await store.get('session', id)
      const doc = record === null ? null : parseDoc(record.value)
      if (record === null || doc === null) return refuse('unknown or expired refresh token')
      const presentedHash = sha256(presented)
      if (presentedHash !== doc.secretHash) {
        if (doc.used.includes(presentedHash)) {
          await put(id, record.version, null)
          return refuse('refresh token already used; the session is ended')
        }
        return refuse('unknown refresh token')
      }

      // Rotate first: of two uses racing, one wins the compare-and-set and the other is refused.
      const secret = b64(32)
      const rotated: SessionDoc = { ...doc, secretHash: sha256(secret), used: [...doc.used, presentedHash].slice(-USED_KEPT), refreshedAt: now() }
      if (!(await put(id, record.version, rotated))) return refuse('refresh token already used')

      const upstream = await refreshUpstream(doc)
      if (!upstream.ok) {
        if (upstream.kind === 'invalid_grant') {
          await put(id, record.version + 1, null)
          return refuse(upstream.reason)
        }
        // Keycloak could not be asked: the old token stays good, so that the client can try again.
        await put(id, record.version + 1, doc)
        return { ok: false, error: 'temporarily_unavailable', reason: upstream.reason }
      }
      const renewed: SessionDoc = { ...rotated, ...upstream.seed, secretHash: rotated.secretHash, used: rotated.used }
      if (!(await put(id, record.version + 1, renewed))) return refuse('the session ended during the refresh')
      return { ok: true, tokens: await issue(id, secret, renewed) }
    },
  }
}
