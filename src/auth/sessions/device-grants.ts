// The device authorization grant (RFC 8628) as the gateway runs it for Claude Code's /login:
// a device code (256 random bits after a public grant id, stored hashed, redeemed once) and a user
// code from the RFC's base-20 alphabet (no vowels, so no words; XXXX-XXXX), answered with
// `authorization_pending` until the developer approves it in the browser, `slow_down` to a client
// that polls sooner than the interval, `access_denied` after a refusal and `expired_token` after
// its lifetime. Every change is a compare-and-set in the store (./sign-in-store.ts), so that two
// replicas polling one approved grant mint one session between them.
import { createHash } from 'node:crypto'
import { isSessionSeed, type SessionSeed } from './session-seed'
import type { SignInStore } from './sign-in-store'

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'
const USER_CODE_LENGTH = 8

export interface DeviceAuthorization {
  deviceCode: string
  /** As shown to the developer: XXXX-XXXX. */
  userCode: string
  expiresIn: number
  interval: number
}

/** The answers of a device-code poll, named as RFC 8628 section 3.5 names them; `approved` is the 200. */
export type PollAnswer =
  | { kind: 'authorization_pending' }
  | { kind: 'slow_down' }
  | { kind: 'access_denied' }
  | { kind: 'expired_token' }
  | { kind: 'invalid_grant' }
  | { kind: 'approved'; seed: SessionSeed }

export interface PendingGrant {
  grantId: string
  userCode: string
  expiresAt: number
}

export interface DeviceGrants {
  authorize(): Promise<DeviceAuthorization>
  poll(deviceCode: string): Promise<PollAnswer>
  /** The grant waiting for approval under a user code as the developer typed it, if any. */
  findPending(userCodeInput: string): Promise<PendingGrant | null>
  /** Approves (with the session it starts) or denies a pending grant; false when it is no longer pending. */
  settle(grantId: string, outcome: { approve: SessionSeed } | { deny: true }): Promise<boolean>
}

interface GrantDoc {
  deviceCodeHash: string
  userCode: string
  status: 'pending' | 'approved' | 'denied'
  expiresAt: number
  intervalS: number
  lastPolledAt: number | null
  approval: SessionSeed | null
}

export interface DeviceGrantOptions {
  store: SignInStore
  lifetimeS?: number
  intervalS?: number
  now?: () => number
  randomBytes?: (n: number) => Uint8Array
}

/** How long a grant is kept past its lifetime, to answer `expired_token` rather than `invalid_grant`. */
const KEEP_AFTER_EXPIRY_MS = 10 * 60_000
/** RFC 8628 3.5: each slow_down adds five seconds to the interval. */
const SLOW_DOWN_STEP_S = 5
/** Network jitter may bring two polls a little closer than the client meant them. */
const POLL_SLACK_MS = 1_000
const GRANT_ID = /^[A-Za-z0-9_-]{22}$/
const DEVICE_SECRET = /^[A-Za-z0-9_-]{43}$/

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** The canonical form (8 letters, no dash) of a user code as typed, or null when it cannot be one. */
export function normalizeUserCode(input: string): string | null {
  if (typeof input !== 'string' || input.length > 32) return null
  const letters = input.toUpperCase().replace(/[\s-]/g, '')
  if (letters.length !== USER_CODE_LENGTH) return null
  for (const c of letters) if (!USER_CODE_ALPHABET.includes(c)) return null
  return letters
}

export function displayUserCode(canonical: string): string {
  return `${canonical.slice(0, 4)}-${canonical.slice(4)}`
}

/** Uniform over the alphabet: bytes past the largest multiple of 20 are drawn again. */
function generateUserCode(randomBytes: (n: number) => Uint8Array): string {
  let code = ''
  while (code.length < USER_CODE_LENGTH) {
    for (const b of randomBytes(16)) {
      if (b < 240 && code.length < USER_CODE_LENGTH) code += USER_CODE_ALPHABET[b % 20]
    }
  }
  return code
}

function parseGrant(value: string): GrantDoc | null {
  try {
    const doc = JSON.parse(value) as GrantDoc
    if (doc.approval !== null && !isSessionSeed(doc.approval)) return null
    return doc
  } catch {
    return null
  }
}

export function createDeviceGrants(options: DeviceGrantOptions): DeviceGrants {
  const { store } = options
  const lifetimeMs = (options.lifetimeS ?? 600) * 1000
  const intervalS = options.intervalS ?? 5
  const now = options.now ?? Date.now
  const randomBytes = options.randomBytes ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)))
  const b64 = (n: number) => Buffer.from(randomBytes(n)).toString('base64url')
  const keepMs = (doc: GrantDoc) => Math.max(1, doc.expiresAt + KEEP_AFTER_EXPIRY_MS - now())
  const write = (id: string, version: number, doc: GrantDoc | null) => store.put('device-grant', id, version, doc === null ? null : JSON.stringify(doc), doc === null ? 1 : keepMs(doc))

  async function load(grantId: string): Promise<{ version: number; doc: GrantDoc } | null> {
    const record = await store.get('device-grant', grantId)
    const doc = record === null ? null : parseGrant(record.value)
    return record === null || doc === null ? null : { version: record.version, doc }
  }

  return {
    async authorize() {
      const grantId = b64(16)
      const secret = b64(32)
      const deviceCode = `${grantId}.${secret}`
      // A user code already handed out is drawn again (1 in 25.6 billion per live grant).
      for (let attempt = 0; attempt < 5; attempt++) {
        const userCode = generateUserCode(randomBytes)
        if (!(await store.put('user-code', userCode, 0, grantId, lifetimeMs))) continue
        const doc: GrantDoc = { deviceCodeHash: sha256(deviceCode), userCode, status: 'pending', expiresAt: now() + lifetimeMs, intervalS, lastPolledAt: null, approval: null }
        if (!(await write(grantId, 0, doc))) throw new Error('device grant id collision')
        return { deviceCode, userCode: displayUserCode(userCode), expiresIn: lifetimeMs / 1000, interval: intervalS }
      }
      throw new Error('no free user code after 5 draws')
    },

    async poll(deviceCode) {
      const dot = deviceCode.indexOf('.')
      const grantId = deviceCode.slice(0, Math.max(dot, 0))
      if (dot < 0 || !GRANT_ID.test(grantId) || !DEVICE_SECRET.test(deviceCode.slice(dot + 1))) return { kind: 'invalid_grant' }
      const found = await load(grantId)
      // The hash compared is of a 256-bit secret the caller does not know: nothing to learn from its timing.
      if (found === null || found.doc.deviceCodeHash !== sha256(deviceCode)) return { kind: 'invalid_grant' }
      const { version, doc } = found
      const at = now()
      if (at >= doc.expiresAt) {
        await write(grantId, version, null)
        return { kind: 'expired_token' }
      }
      if (doc.lastPolledAt !== null && at - doc.lastPolledAt < doc.intervalS * 1000 - POLL_SLACK_MS) {
        await write(grantId, version, { ...doc, intervalS: doc.intervalS + SLOW_DOWN_STEP_S, lastPolledAt: at })
        return { kind: 'slow_down' }
      }
      switch (doc.status) {
        case 'pending':
          // Lost to a concurrent poll of the same code: that one was too fast.
          return (await write(grantId, version, { ...doc, lastPolledAt: at })) ? { kind: 'authorization_pending' } : { kind: 'slow_down' }
        case 'denied':
          await write(grantId, version, null)
          return { kind: 'access_denied' }
        case 'approved':
          // Deleting is the redemption: of two replicas polling at once, one deletes, one finds it gone.
          if (doc.approval === null || !(await write(grantId, version, null))) return { kind: 'invalid_grant' }
          return { kind: 'approved', seed: doc.approval }
        default: {
          const never_: never = doc.status
          throw new Error(`unknown grant status ${String(never_)}`)
        }
      }
    },

    async findPending(userCodeInput) {
      const userCode = normalizeUserCode(userCodeInput)
      if (userCode === null) return null
      const index = await store.get('user-code', userCode)
      if (index === null) return null
      const found = await load(index.value)
      if (found === null || found.doc.status !== 'pending' || found.doc.userCode !== userCode || found.doc.expiresAt <= now()) return null
      return { grantId: index.value, userCode: displayUserCode(userCode), expiresAt: found.doc.expiresAt }
    },

    async settle(grantId, outcome) {
      if (!GRANT_ID.test(grantId)) return false
      const found = await load(grantId)
      if (found === null || found.doc.status !== 'pending' || found.doc.expiresAt <= now()) return false
      const next: GrantDoc = 'approve' in outcome ? { ...found.doc, status: 'approved', approval: outcome.approve } : { ...found.doc, status: 'denied' }
      return write(grantId, found.version, next)
    },
  }
}
