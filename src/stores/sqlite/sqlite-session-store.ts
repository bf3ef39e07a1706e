// Console sessions in the embedded store, in their own table of `keys.db` (the key store's file,
// which is not held exclusively, so that `keys` commands and sessions share it with the server).
// Expired sessions are removed as they are found and, at most once a minute, all together.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionRecord, SessionStore } from '../../auth/session-store'

export function createSqliteSessionStore(options: { dataDir?: string; path?: string; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now
  let path = options.path
  if (path === undefined) {
    mkdirSync(options.dataDir ?? './data', { recursive: true })
    path = join(options.dataDir ?? './data', 'keys.db')
  }
  const db = new Database(path, { create: true, strict: true })
  db.run('PRAGMA journal_mode = WAL')
  db.run('PRAGMA busy_timeout = 5000')
  db.run('CREATE TABLE IF NOT EXISTS console_sessions (id_hash TEXT PRIMARY KEY, record TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID')
  const upsert = db.query('INSERT OR REPLACE INTO console_sessions (id_hash, record, expires_at) VALUES (?, ?, ?)')
  const select = db.query<{ record: string }, [string]>('SELECT record FROM console_sessions WHERE id_hash = ?')
  const remove = db.query('DELETE FROM console_sessions WHERE id_hash = ?')
  const sweep = db.query('DELETE FROM console_sessions WHERE expires_at < ?')
  let lastSweep = 0
  return {
    async put(idHash, record) {
      if (now() - lastSweep > 60_000) {
        lastSweep = now()
        sweep.run(lastSweep)
      }
      upsert.run(idHash, JSON.stringify(record), record.expiresAt)
    },
    async get(idHash) {
      const row = select.get(idHash)
      return row ? (JSON.parse(row.record) as SessionRecord) : null
    },
    async delete(idHash) {
      remove.run(idHash)
    },
    async close() {
      db.close()
    },
  }
}
