// The embedded quota store: one bun:sqlite file, `quota.sqlite` in the data directory, so counts
// survive restarts of the gateway. Admission is one conditional UPSERT statement, which is atomic
// within the process and also across processes sharing the file; admissions arriving together share
// one transaction.
// Rows carry an expiry (now + ttl) and expired rows are pruned when the day changes.

import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { QuotaAdmission, QuotaCounts, QuotaLimits, QuotaStore } from './quota-store'

interface UsageRow {
  requests: number
  tokens: number
}

function openDatabase(dataDir: string): Database {
  if (dataDir === ':memory:') return new Database(':memory:')
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(join(dataDir, 'quota.sqlite'), { create: true })
  // First, so that a process opening the file while another one sets it up waits instead of failing.
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA journal_mode = WAL')
  // WAL with synchronous=NORMAL stays consistent after a crash and loses at most the last
  // commits on power loss: an acceptable trade for a per-request write.
  db.exec('PRAGMA synchronous = NORMAL')
  return db
}

function tokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0
}

export function createSqliteQuotaStore(dataDir: string | ':memory:'): QuotaStore {
  const db = openDatabase(dataDir)
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

  const selectUsage = db.query<UsageRow, [string, string]>(
    'SELECT requests, input_tokens + output_tokens AS tokens FROM quota_usage WHERE user = ? AND day = ?',
  )
  const countRequest = db.query<{ requests: number }, [string, string, number]>(
    `INSERT INTO quota_usage (user, day, requests, expires_at) VALUES (?1, ?2, 1, ?3)
     ON CONFLICT (user, day) DO UPDATE SET requests = requests + 1, expires_at = max(expires_at, excluded.expires_at)
     RETURNING requests`,
  )
  const releaseRequest = db.query<unknown, [string, string]>(
    'UPDATE quota_usage SET requests = requests - 1 WHERE user = ? AND day = ? AND requests > 0',
  )
  const addUsage = db.query<unknown, [string, string, number, number, number]>(
    `INSERT INTO quota_usage (user, day, input_tokens, output_tokens, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (user, day) DO UPDATE SET input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens, expires_at = max(expires_at, excluded.expires_at)`,
  )
  const selectCounts = db.query<{ requests: number; input_tokens: number; output_tokens: number }, [string, string]>(
    'SELECT requests, input_tokens, output_tokens FROM quota_usage WHERE user = ? AND day = ?',
  )
  const pruneExpired = db.query<unknown, [number]>('DELETE FROM quota_usage WHERE expires_at < ?')
  const selectOne = db.query<{ one: number }, []>('SELECT 1 AS one')

  const expiresAt = (ttlSeconds: number) => Math.floor(Date.now() / 1000) + Math.max(1, Math.ceil(ttlSeconds))

  let lastDay = ''
  function pruneOnNewDay(day: string) {
    if (day === lastDay) return
    lastDay = day
    pruneExpired.run(Math.floor(Date.now() / 1000))
  }

  // Admission is one UPSERT whose update only happens under the limits: a single statement is
  // atomic in SQLite (within the process and across processes sharing the file), and it costs one
  // write instead of a transaction with a read. No row back means refused; a read then says why.
  const admitStatement = db.query<{ requests: number; tokens: number }, [string, string, number, number | null, number | null]>(
    `INSERT INTO quota_usage (user, day, requests, expires_at) VALUES (?1, ?2, 1, ?3)
     ON CONFLICT (user, day) DO UPDATE SET requests = requests + 1, expires_at = max(expires_at, excluded.expires_at)
       WHERE (?4 IS NULL OR requests < ?4) AND (?5 IS NULL OR input_tokens + output_tokens < ?5)
     RETURNING requests, input_tokens + output_tokens AS tokens`,
  )

  function refusal(user: string, day: string, limits: QuotaLimits): QuotaAdmission {
    const row = selectUsage.get(user, day)
    const used = row?.requests ?? 0
    const tokensUsed = row?.tokens ?? 0
    const deniedBy = limits.tokens !== null && tokensUsed >= limits.tokens ? 'tokens' : 'requests'
    return { allowed: false, used, tokensUsed, deniedBy }
  }

  function admitNow(user: string, day: string, limits: QuotaLimits, ttlSeconds: number): QuotaAdmission {
    // A zero limit refuses even the first request of the day, which the INSERT branch would count.
    if (limits.requests === 0 || limits.tokens === 0) return refusal(user, day, limits)
    const row = admitStatement.get(user, day, expiresAt(ttlSeconds), limits.requests, limits.tokens)
    if (!row) return refusal(user, day, limits)
    return { allowed: true, used: row.requests, tokensUsed: row.tokens, deniedBy: null }
  }

  // Group commit: the admissions that arrive in the same turn of the event loop run in one
  // transaction, so a burst of requests costs one WAL commit instead of one each. Each statement
  // still decides on its own, in arrival order, so admission stays exact.
  interface Queued {
    user: string
    day: string
    limits: QuotaLimits
    ttlSeconds: number
    resolve: (a: QuotaAdmission) => void
    reject: (e: unknown) => void
  }
  let queue: Queued[] = []
  const runBatch = db.transaction((batch: Queued[]) => batch.map((q) => admitNow(q.user, q.day, q.limits, q.ttlSeconds)))
  function flushAdmissions() {
    const batch = queue
    queue = []
    try {
      const results = batch.length === 1 ? [admitNow(batch[0]!.user, batch[0]!.day, batch[0]!.limits, batch[0]!.ttlSeconds)] : runBatch.immediate(batch)
      batch.forEach((q, i) => q.resolve(results[i]!))
    } catch (error) {
      for (const q of batch) q.reject(error)
    }
  }

  pruneExpired.run(Math.floor(Date.now() / 1000))

  return {
    admit(user, day, limits, ttlSeconds) {
      pruneOnNewDay(day)
      return new Promise<QuotaAdmission>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flushAdmissions)
        queue.push({ user, day, limits, ttlSeconds, resolve, reject })
      })
    },
    async release(user, day) {
      releaseRequest.run(user, day)
    },
    async addTokens(user, day, inputTokens, outputTokens, ttlSeconds) {
      const input = tokenCount(inputTokens)
      const output = tokenCount(outputTokens)
      if (input === 0 && output === 0) return
      pruneOnNewDay(day)
      addUsage.run(user, day, input, output, expiresAt(ttlSeconds))
    },
    async counts(user, day): Promise<QuotaCounts> {
      const row = selectCounts.get(user, day)
      return { requests: row?.requests ?? 0, inputTokens: row?.input_tokens ?? 0, outputTokens: row?.output_tokens ?? 0 }
    },
    async ping() {
      selectOne.get()
    },
    async close() {
      db.close()
    },
  }
}
