// Gateway keys in an embedded SQLite file (bun:sqlite): the default store for a single replica.
// The table can live in its own `keys.db` or share a file with other embedded stores.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { generateGatewayKey } from '../../auth/generate-gateway-key'
import { MAX_KEY_PAGE, validateNewKey, type CreatedGatewayKey, type GatewayKeyRecord, type KeyStore } from '../../auth/key-store'

export interface SqliteKeyStoreOptions {
  /** Database file; defaults to `<dataDir>/keys.db`. */
  path?: string
  dataDir?: string
  now?: () => Date
}

interface Row {
  id: string
  user: string
  tier: string
  name: string | null
  created_at: string
  revoked_at: string | null
}

function toRecord(row: Row): GatewayKeyRecord {
  const record: GatewayKeyRecord = { id: row.id, user: row.user, tier: row.tier, createdAt: row.created_at }
  if (row.name !== null) record.name = row.name
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at
  return record
}

export function createSqliteKeyStore(options: SqliteKeyStoreOptions = {}): KeyStore {
  const now = options.now ?? (() => new Date())
  let path = options.path
  if (path === undefined) {
    const dataDir = options.dataDir ?? './data'
    mkdirSync(dataDir, { recursive: true })
    path = join(dataDir, 'keys.db')
  }
  const db = new Database(path, { create: true, strict: true })
  db.run('PRAGMA journal_mode = WAL')
  db.run('PRAGMA busy_timeout = 5000')
  db.run(`CREATE TABLE IF NOT EXISTS gateway_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL,
    tier TEXT NOT NULL,
    name TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  )`)
  // Paging a user's keys reads this index, never the table.
  db.run('CREATE INDEX IF NOT EXISTS gateway_keys_user ON gateway_keys (user)')
  const columns = 'id, user, tier, name, created_at, revoked_at'
  const insert = db.query(
    'INSERT INTO gateway_keys (id, key_hash, user, tier, name, created_at) VALUES ($id, $hash, $user, $tier, $name, $createdAt)',
  )
  const selectAll = db.query<Row, []>(`SELECT ${columns} FROM gateway_keys ORDER BY created_at, rowid`)
  const selectByHash = db.query<Row, { hash: string }>(
    `SELECT ${columns} FROM gateway_keys WHERE key_hash = $hash AND revoked_at IS NULL`,
  )
  const selectById = db.query<Row, { id: string }>(`SELECT ${columns} FROM gateway_keys WHERE id = $id`)
  const revokeById = db.query('UPDATE gateway_keys SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL')
  // The cursor is the rowid of the last key of a page: keys are paged in insertion order.
  const pageAll = db.query<Row & { rowid: number }, { after: number; limit: number }>(
    `SELECT rowid, ${columns} FROM gateway_keys WHERE rowid > $after ORDER BY rowid LIMIT $limit`,
  )
  const pageUser = db.query<Row & { rowid: number }, { user: string; after: number; limit: number }>(
    `SELECT rowid, ${columns} FROM gateway_keys WHERE user = $user AND rowid > $after ORDER BY rowid LIMIT $limit`,
  )

  return {
    async create(input) {
      validateNewKey(input)
      const { id, key, hash } = generateGatewayKey()
      const createdAt = now().toISOString()
      insert.run({ id, hash, user: input.user, tier: input.tier, name: input.name ?? null, createdAt })
      const created: CreatedGatewayKey = { id, key, user: input.user, tier: input.tier, createdAt }
      if (input.name !== undefined) created.name = input.name
      return created
    },
    async list() {
      return selectAll.all().map(toRecord)
    },
    async page(query) {
      const limit = Math.max(1, Math.min(MAX_KEY_PAGE, Math.floor(query.limit)))
      const after = query.cursor && /^\d{1,15}$/.test(query.cursor) ? Number(query.cursor) : 0
      const rows = query.user === undefined ? pageAll.all({ after, limit: limit + 1 }) : pageUser.all({ user: query.user, after, limit: limit + 1 })
      const more = rows.length > limit
      const kept = more ? rows.slice(0, limit) : rows
      return { data: kept.map(toRecord), nextCursor: more ? String(kept.at(-1)!.rowid) : null }
    },
    async get(id) {
      const row = selectById.get({ id })
      return row === null ? null : toRecord(row)
    },
    async revoke(id) {
      if (selectById.get({ id }) === null) return false
      revokeById.run({ id, at: now().toISOString() })
      return true
    },
    async findByHash(hash) {
      const row = selectByHash.get({ hash })
      return row === null ? null : toRecord(row)
    },
    async close() {
      db.close()
    },
  }
}
