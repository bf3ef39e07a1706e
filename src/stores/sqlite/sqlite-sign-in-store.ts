// The sign-in state (device grants, sessions, the shared secret) in an embedded SQLite file
// (bun:sqlite), beside the keys: the store of a single gateway process. A version per record makes
// every write a compare-and-set, as the interface asks; records past their lifetime are invisible
// and swept out as new ones are written.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { SignInRecordKind, SignInStore } from '../../auth/sessions/sign-in-store'

export interface SqliteSignInStoreOptions {
  /** Database file; defaults to `<dataDir>/sign-in.db`. */
  path?: string
  dataDir?: string
  now?: () => number
}

/** Expired rows are deleted at most this often, on a write. */
const SWEEP_EVERY_MS = 60_000

export function createSqliteSignInStore(options: SqliteSignInStoreOptions = {}): SignInStore {
  const now = options.now ?? Date.now
  let path = options.path
  if (path === undefined) {
    const dataDir = options.dataDir ?? './data'
    mkdirSync(dataDir, { recursive: true })
    path = join(dataDir, 'sign-in.db')
  }
  const db = new Database(path, { create: true, strict: true })
  db.run('PRAGMA journal_mode = WAL')
  db.run('PRAGMA busy_timeout = 5000')
  db.run(`CREATE TABLE IF NOT EXISTS sign_in_records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  )`)
  db.run('CREATE TABLE IF NOT EXISTS sign_in_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL)')
  const select = db.query<{ version: number; value: string }, { kind: string; id: string; now: number }>(
    'SELECT version, value FROM sign_in_records WHERE kind = $kind AND id = $id AND expires_at > $now',
  )
  const selectAny = db.query<{ version: number; expires_at: number }, { kind: string; id: string }>('SELECT version, expires_at FROM sign_in_records WHERE kind = $kind AND id = $id')
  const upsert = db.query('INSERT OR REPLACE INTO sign_in_records (kind, id, version, value, expires_at) VALUES ($kind, $id, $version, $value, $expiresAt)')
  const remove = db.query('DELETE FROM sign_in_records WHERE kind = $kind AND id = $id')
  const sweep = db.query('DELETE FROM sign_in_records WHERE expires_at <= $now')
  const insertSecret = db.query('INSERT OR IGNORE INTO sign_in_secret (id, secret) VALUES (1, $secret)')
  const selectSecret = db.query<{ secret: string }, []>('SELECT secret FROM sign_in_secret WHERE id = 1')
  let sweptAt = 0

  // One transaction: the read of the version and the write cannot interleave with another write.
  const compareAndSet = db.transaction((kind: SignInRecordKind, id: string, expected: number, value: string | null, ttlMs: number): boolean => {
    const at = now()
    const row = selectAny.get({ kind, id })
    const current = row === null || row.expires_at <= at ? 0 : row.version
    if (current !== expected) return false
    if (value === null) remove.run({ kind, id })
    else upsert.run({ kind, id, version: current + 1, value, expiresAt: at + ttlMs })
    if (at - sweptAt > SWEEP_EVERY_MS) {
      sweptAt = at
      sweep.run({ now: at })
    }
    return true
  })

  return {
    async sharedSecret(candidate) {
      insertSecret.run({ secret: candidate })
      return selectSecret.get()!.secret
    },
    async get(kind, id) {
      return select.get({ kind, id, now: now() })
    },
    async put(kind, id, expectedVersion, value, ttlMs) {
      return compareAndSet(kind, id, expectedVersion, value, ttlMs)
    },
    async close() {
      db.close()
    },
  }
}
