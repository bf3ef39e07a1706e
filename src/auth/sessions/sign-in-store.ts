// Where the state of sign-in lives: device grants waiting for approval, the sessions behind the
// refresh tokens, and the secret the keys derive from. The embedded SQLite store for one process,
// Redis when replicas share state: a code approved on one replica is redeemed on another, and a
// refresh token used on one cannot be used again on another.
//
// The store is a small versioned key-value map: every write names the version it expects, so that
// of two replicas acting on the same record exactly one succeeds. That is what makes a device code
// and a refresh token single-use. The decisions (what a poll answers, when a session rotates) are
// made above it, in ./device-grants.ts and ./sessions.ts.

export type SignInRecordKind = 'device-grant' | 'user-code' | 'session'

export interface VersionedRecord {
  /** 1 for a new record, one more with every write. */
  version: number
  value: string
}

export interface SignInStore {
  /** The secret the sign-in keys derive from: the first one ever offered (by any replica), kept. */
  sharedSecret(candidate: string): Promise<string>
  /** The record, or null when absent or past its lifetime. */
  get(kind: SignInRecordKind, id: string): Promise<VersionedRecord | null>
  /**
   * Writes `value` (null deletes) if the record is at `expectedVersion` (0: absent); true when it
   * did. A written record lives `ttlMs` from now.
   */
  put(kind: SignInRecordKind, id: string, expectedVersion: number, value: string | null, ttlMs: number): Promise<boolean>
  close(): Promise<void>
}
