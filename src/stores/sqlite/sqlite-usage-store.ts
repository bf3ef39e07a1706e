// The usage ledger and the audit log in an embedded SQLite file, `usage.sqlite` in the data
// directory. Unlike quota.sqlite, the file is not held exclusively: the gateway writes a batch
// about once a second, and `llm-gateway usage` reads it beside a running gateway (WAL mode).
// The three views of the ledger (see usage/usage-store.ts) are three tables, each written by an
// UPSERT that adds the batch's counts, all in one transaction.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEntry, AuditLog } from '../../usage/audit-log'
import { LEDGER_COUNTS, type LedgerRow } from '../../usage/ledger-row'
import type { LedgerView, UsageStore } from '../../usage/usage-store'

const COUNT_COLUMNS = LEDGER_COUNTS.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(', ')
const ADD_COUNTS = LEDGER_COUNTS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')

/** Each view's key columns; the columns it sums over read back as ''. */
const VIEWS: Record<LedgerView, { table: string; keys: (keyof LedgerRow)[] }> = {
  full: { table: 'usage_full', keys: ['day', 'user', 'tier', 'requested_model', 'model', 'backend'] },
  models: { table: 'usage_models', keys: ['day', 'tier', 'requested_model', 'model', 'backend'] },
  users: { table: 'usage_users', keys: ['day', 'user', 'tier'] },
}

export interface SqliteUsageStore extends UsageStore, AuditLog {}

export function openUsageDatabase(dataDir: string): Database {
  if (dataDir === ':memory:') return new Database(':memory:')
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'usage.sqlite'), { create: true, strict: true })
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  return db
}

export function createSqliteUsageStore(db: Database): SqliteUsageStore {
  for (const { table, keys } of Object.values(VIEWS)) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (${keys.map((k) => `${k} TEXT NOT NULL`).join(', ')}, ${COUNT_COLUMNS}, PRIMARY KEY (${keys.join(', ')})) WITHOUT ROWID`)
  }
  // A user's history is read by user, then day.
  db.exec('CREATE INDEX IF NOT EXISTS usage_full_user ON usage_full (user, day)')
  // Today's top users are read by day, most requests first.
  db.exec('CREATE INDEX IF NOT EXISTS usage_users_requests ON usage_users (day, requests)')
  db.exec(`CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT)`)

  const upserts = Object.values(VIEWS).map(({ table, keys }) => {
    const columns = [...keys, ...LEDGER_COUNTS]
    const statement = db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${ADD_COUNTS}`)
    return (row: LedgerRow) => statement.run(...(columns.map((c) => row[c]) as (string | number)[]))
  })
  const addAll = db.transaction((rows: LedgerRow[]) => {
    for (const row of rows) for (const upsert of upserts) upsert(row)
  })
  const readers = Object.fromEntries(
    (Object.keys(VIEWS) as LedgerView[]).map((view) => {
      const { table, keys } = VIEWS[view]
      const byUser = keys.includes('user') ? db.query(`SELECT * FROM ${table} WHERE user = ? AND day BETWEEN ? AND ?`) : null
      return [view, { range: db.query(`SELECT * FROM ${table} WHERE day BETWEEN ? AND ?`), user: byUser }]
    }),
  ) as Record<LedgerView, { range: ReturnType<Database['query']>; user: ReturnType<Database['query']> | null }>
  const topOfDay = db.query(`SELECT * FROM usage_users WHERE day = ? ORDER BY requests DESC LIMIT ?`)
  const countOfDay = db.query<{ n: number }, [string]>('SELECT count(*) AS n FROM usage_users WHERE day = ?')
  const prunes = Object.values(VIEWS).map(({ table }) => db.query(`DELETE FROM ${table} WHERE day < ?`))
  const insertAudit = db.query('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
  const selectAudit = db.query<{ at: string; actor: string; action: AuditEntry['action']; target: string; detail: string | null }, [number]>(
    'SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?',
  )
  const pruneAudit = db.query('DELETE FROM audit_log WHERE at < ?')

  function complete(row: Record<string, unknown>): LedgerRow {
    return { day: '', user: '', tier: '', requested_model: '', model: '', backend: '', ...row } as LedgerRow
  }

  return {
    async add(rows) {
      if (rows.length > 0) addAll.immediate(rows)
    },
    async read(view, query) {
      const reader = readers[view]
      if (query.user !== undefined && !reader.user) throw new Error(`the ${view} view has no user column`)
      const rows = query.user === undefined ? reader.range.all(query.from, query.to) : reader.user!.all(query.user, query.from, query.to)
      return (rows as Record<string, unknown>[]).map(complete)
    },
    async topUsers(day, limit) {
      return { rows: (topOfDay.all(day, limit) as Record<string, unknown>[]).map(complete), count: countOfDay.get(day)?.n ?? 0 }
    },
    async prune(oldestKeptDay) {
      for (const prune of prunes) prune.run(oldestKeptDay)
      pruneAudit.run(`${oldestKeptDay}T00:00:00.000Z`)
    },
    async append(entry) {
      insertAudit.run(entry.at, entry.actor, entry.action, entry.target, entry.detail ? JSON.stringify(entry.detail) : null)
    },
    async list({ limit }) {
      return selectAudit.all(limit).map((r) => {
        const entry: AuditEntry = { at: r.at, actor: r.actor, action: r.action, target: r.target }
        if (r.detail) entry.detail = JSON.parse(r.detail) as AuditEntry['detail'] & object
        return entry
      })
    },
    async close() {
      db.close()
    },
  }
}
