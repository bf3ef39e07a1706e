// The embedded quota store: one bun:sqlite file, `quota.sqlite` in the data directory, so counts
// survive restarts of the gateway. One gateway process owns the file (an exclusive SQLite lock,
// taken at open): a second process on the same directory waits for the first to exit, then fails
// with a clear error. Owning the file lets the process decide admissions on its own copy of today's
// counts, in memory, exactly (JavaScript runs one admission at a time), and write the counts that
// changed in one transaction: at the end of the event-loop turn when nothing was written in the
// last `flushIntervalMs` (10 ms), else that long after the previous write. A busy gateway thus
// commits about 100 times a second instead of once per request (a commit is a system call of
// ~10-15 µs, a quarter of a request's CPU), and a crash or SIGKILL loses at most the last 10 ms of
// counts (Redis with appendfsync everysec risks a second); a graceful stop writes everything.
// Rows carry an expiry (now + ttl) and expired rows are pruned when the day changes.

import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type QuotaAdmission, type QuotaCounts, type QuotaLimits, type QuotaStore, wholeRequests } from '../../quota/quota-store'
import { wholeTokenCount } from '../../quota/token-count'

export interface SqliteQuotaStoreOptions {
  /** How long to wait for another process to release the data directory. Default 30 s. */
  lockTimeoutMs?: number
  /** The longest a changed count waits to be written. Default 10 ms. */
  flushIntervalMs?: number
  /** Called with the open database, before use (tests use it to simulate a full disk). */
  onOpen?: (db: Database) => void
}

interface Usage {
  user: string
  day: string
  requests: number
  inputTokens: number
  outputTokens: number
  granted: number
  expiresAt: number
}

function openDatabase(dataDir: string, lockTimeoutMs: number): Database {
  if (dataDir === ':memory:') return new Database(':memory:')
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, 'quota.sqlite')
  const db = new Database(path, { create: true })
  try {
    // Waits for a process still holding the file (an overlapping restart) instead of failing at once.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(lockTimeoutMs))}`)
    db.exec('PRAGMA locking_mode = EXCLUSIVE')
    db.exec('PRAGMA journal_mode = WAL')
    // WAL with synchronous=NORMAL stays consistent after a crash of the process and loses at most
    // the last commits on power loss: an acceptable trade for a write per event-loop turn.
    db.exec('PRAGMA synchronous = NORMAL')
    // The first write takes the exclusive lock, which is then held until the process closes the file.
    db.exec('BEGIN IMMEDIATE; COMMIT')
  } catch (error) {
    db.close()
    if (/locked|busy/i.test(String(error))) {
      throw new Error(`${path} is in use by another gateway process; every process needs its own data directory (or share counts through Redis)`)
    }
    throw error
  }
  return db
}

export function createSqliteQuotaStore(dataDir: string | ':memory:', options: SqliteQuotaStoreOptions = {}): QuotaStore {
  const db = openDatabase(dataDir, options.lockTimeoutMs ?? 30_000)
  options.onOpen?.(db)
  db.exec(`CREATE TABLE IF NOT EXISTS quota_usage (
    user TEXT NOT NULL,
    day TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (user, day)
  ) WITHOUT ROWID`)
  db.exec('CREATE INDEX IF NOT EXISTS quota_usage_expires_at ON quota_usage (expires_at)')
  // Files written before grants existed gain the column.
  const columns = db.query<{ name: string }, []>('PRAGMA table_info(quota_usage)').all().map((c) => c.name)
  if (!columns.includes('granted')) db.exec('ALTER TABLE quota_usage ADD COLUMN granted INTEGER NOT NULL DEFAULT 0')

  const selectUsage = db.query<{ requests: number; input_tokens: number; output_tokens: number; granted: number; expires_at: number }, [string, string]>(
    'SELECT requests, input_tokens, output_tokens, granted, expires_at FROM quota_usage WHERE user = ? AND day = ?',
  )
  const writeUsage = db.query<unknown, [string, string, number, number, number, number, number]>(
    `INSERT INTO quota_usage (user, day, requests, input_tokens, output_tokens, granted, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (user, day) DO UPDATE SET requests = excluded.requests, input_tokens = excluded.input_tokens,
       output_tokens = excluded.output_tokens, granted = excluded.granted, expires_at = excluded.expires_at`,
  )
  const pruneExpired = db.query<unknown, [number]>('DELETE FROM quota_usage WHERE expires_at < ?')
  const selectOne = db.query<{ one: number }, []>('SELECT 1 AS one')

  const nowSeconds = () => Math.floor(Date.now() / 1000)
  const expiresAt = (ttlSeconds: number) => nowSeconds() + Math.max(1, Math.ceil(ttlSeconds))

  // Today's counts (and a late release or token record of yesterday's), read from the file on
  // first use. The process owns the file, so its copy is the truth.
  const usage = new Map<string, Usage>()
  function usageOf(user: string, day: string): Usage {
    const key = `${day}\n${user}`
    let u = usage.get(key)
    if (!u) {
      const row = selectUsage.get(user, day)
      u = { user, day, requests: row?.requests ?? 0, inputTokens: row?.input_tokens ?? 0, outputTokens: row?.output_tokens ?? 0, granted: row?.granted ?? 0, expiresAt: row?.expires_at ?? 0 }
      usage.set(key, u)
    }
    return u
  }

  // Changes are written together, at most flushIntervalMs after they were made. A failed write
  // keeps them pending and fails admissions (the quota service then answers 503 or lets requests
  // through, as configured) until a later write succeeds; ping() retries it.
  const flushIntervalMs = options.flushIntervalMs ?? 10
  let dirty = new Set<Usage>()
  let scheduled = false
  let lastFlush = Number.NEGATIVE_INFINITY
  let writeError: unknown = null
  const writeAll = db.transaction((rows: Usage[]) => {
    for (const u of rows) writeUsage.run(u.user, u.day, u.requests, u.inputTokens, u.outputTokens, u.granted, u.expiresAt)
  })
  function flush() {
    scheduled = false
    lastFlush = performance.now()
    if (dirty.size === 0) return
    const rows = [...dirty]
    try {
      writeAll.immediate(rows)
      dirty = new Set()
      writeError = null
    } catch (error) {
      writeError = error
    }
  }
  function changed(u: Usage) {
    dirty.add(u)
    if (scheduled) return
    scheduled = true
    const wait = lastFlush + flushIntervalMs - performance.now()
    if (wait <= 0) setImmediate(flush)
    else setTimeout(flush, Math.ceil(wait))
  }

  let lastDay = ''
  function onDay(day: string) {
    if (day === lastDay) return
    lastDay = day
    // Forget the counts of other days that are written; they are read again if ever needed.
    flush()
    for (const [key, u] of usage) if (u.day !== day && !dirty.has(u)) usage.delete(key)
    pruneExpired.run(nowSeconds())
  }

  // Only stated when there is one, so that answers without grants read as before.
  const granted = (u: Usage) => (u.granted > 0 ? { granted: u.granted } : {})

  function admitNow(user: string, day: string, limits: QuotaLimits, ttlSeconds: number): QuotaAdmission {
    if (writeError !== null) throw writeError
    onDay(day)
    const u = usageOf(user, day)
    const tokensUsed = u.inputTokens + u.outputTokens
    // A zero limit refuses even the first request of the day.
    if (limits.tokens !== null && tokensUsed >= limits.tokens) return { allowed: false, used: u.requests, tokensUsed, deniedBy: 'tokens', ...granted(u) }
    if (limits.requests !== null && u.requests >= limits.requests + u.granted) return { allowed: false, used: u.requests, tokensUsed, deniedBy: 'requests', ...granted(u) }
    u.requests++
    u.expiresAt = Math.max(u.expiresAt, expiresAt(ttlSeconds))
    changed(u)
    return { allowed: true, used: u.requests, tokensUsed, deniedBy: null, ...granted(u) }
  }

  pruneExpired.run(nowSeconds())

  return {
    admit(user, day, limits, ttlSeconds) {
      try {
        return Promise.resolve(admitNow(user, day, limits, ttlSeconds))
      } catch (error) {
        return Promise.reject(error)
      }
    },
    async release(user, day) {
      const u = usageOf(user, day)
      if (u.requests === 0) return
      u.requests--
      changed(u)
    },
    async addTokens(user, day, inputTokens, outputTokens, ttlSeconds) {
      const input = wholeTokenCount(inputTokens)
      const output = wholeTokenCount(outputTokens)
      if (input === 0 && output === 0) return
      const u = usageOf(user, day)
      u.inputTokens += input
      u.outputTokens += output
      u.expiresAt = Math.max(u.expiresAt, expiresAt(ttlSeconds))
      changed(u)
    },
    async counts(user, day): Promise<QuotaCounts> {
      const u = usageOf(user, day)
      return { requests: u.requests, inputTokens: u.inputTokens, outputTokens: u.outputTokens, ...granted(u) }
    },
    async grant(user, day, requests, ttlSeconds) {
      const u = usageOf(user, day)
      u.granted += wholeRequests(requests)
      u.expiresAt = Math.max(u.expiresAt, expiresAt(ttlSeconds))
      changed(u)
    },
    async reset(user, day) {
      const u = usageOf(user, day)
      u.requests = 0
      u.inputTokens = 0
      u.outputTokens = 0
      changed(u)
    },
    async ping() {
      selectOne.get()
      if (dirty.size > 0) flush()
      if (writeError !== null) throw writeError
    },
    async close() {
      flush()
      db.close()
      // The counts that could not be written are lost with the process: say so, never quietly.
      if (writeError !== null) throw writeError
    },
  }
}
