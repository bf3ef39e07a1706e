// The usage ledger and the audit log on Redis/Valkey, shared by every replica. Each view of the
// ledger (see usage/usage-store.ts) is a hash per day, whose fields are the row's key columns and
// one count, and whose values only ever grow by HINCRBY: many replicas adding at once stay exact.
// Layout (prefix P, parts percent-encoded, counts r e i o cr cw l):
//   P:{u:<user>}:<day>   full rows of one user and day   field tier|requested|model|backend|count
//   P:{m:<day>}          rows summed over users           field tier|requested|model|backend|count
//   P:{t:<day>}          rows summed over models          field user|tier|count
//   P:{t:<day>}:top      the same rows' requests          sorted set of user|tier (the top users)
// A user's keys share a hash tag, so a user's history is one pipeline even on a Cluster. Each key
// expires `retentionDays` after its day, so retention needs no sweep.
// Audit entries: a list P:audit, newest first, capped at 10,000 entries.
import type { Cluster, Redis } from 'ioredis'
import type { AuditEntry, AuditLog } from '../../usage/audit-log'
import { type LedgerCount, type LedgerRow, LEDGER_COUNTS, emptyCounts } from '../../usage/ledger-row'
import type { LedgerView, UsageStore } from '../../usage/usage-store'
import { firstConnectionWait } from './connect-redis'

const CODES: Record<LedgerCount, string> = { requests: 'r', errors: 'e', input_tokens: 'i', output_tokens: 'o', cache_read_tokens: 'cr', cache_creation_tokens: 'cw', latency_ms: 'l' }
const BY_CODE = new Map(Object.entries(CODES).map(([count, code]) => [code, count as LedgerCount]))
const SEP = '|'
const AUDIT_CAP = 10_000
const DAY_MS = 86_400_000

const PARTS: Record<LedgerView, (keyof LedgerRow)[]> = {
  full: ['tier', 'requested_model', 'model', 'backend'],
  models: ['tier', 'requested_model', 'model', 'backend'],
  users: ['user', 'tier'],
}

export interface RedisUsageStoreOptions {
  prefix?: string
  retentionDays: number
  startupWaitMs?: number
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true
}

/** Every day from `from` to `to`, both included. */
function daysOf(from: string, to: string): string[] {
  const days: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10))
  return days
}

export function createRedisUsageStore(client: Redis | Cluster, options: RedisUsageStoreOptions): UsageStore & AuditLog {
  const prefix = options.prefix ?? 'llmgw:usage'
  const enc = encodeURIComponent
  const keyOf = (view: LedgerView, day: string, user?: string) =>
    view === 'full' ? `${prefix}:{u:${enc(user!)}}:${day}` : view === 'models' ? `${prefix}:{m:${day}}` : `${prefix}:{t:${day}}`
  const topKey = (day: string) => `${prefix}:{t:${day}}:top`
  const auditKey = `${prefix}:audit`
  const firstConnection = firstConnectionWait(client, options.startupWaitMs ?? 2_000)

  /** Runs commands as one pipeline where a pipeline may span them (standalone, or one Cluster slot), else side by side. */
  async function batch(commands: [string, ...(string | number)[]][], oneSlot: boolean): Promise<unknown[]> {
    if (commands.length === 0) return []
    if (isCluster(client) && !oneSlot) {
      return Promise.all(commands.map(([name, ...args]) => (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args)))
    }
    const results = (await client.pipeline(commands).exec()) ?? []
    return results.map(([error, value]) => {
      if (error) throw error
      return value
    })
  }

  function decode(view: LedgerView, day: string, fields: Record<string, string>, user?: string): LedgerRow[] {
    const rows = new Map<string, LedgerRow>()
    for (const [field, value] of Object.entries(fields)) {
      const cut = field.lastIndexOf(SEP)
      const count = BY_CODE.get(field.slice(cut + 1))
      if (cut === -1 || !count) continue
      const id = field.slice(0, cut)
      let row = rows.get(id)
      if (!row) {
        row = { day, user: user ?? '', tier: '', requested_model: '', model: '', backend: '', ...emptyCounts() }
        const parts = id.split(SEP)
        PARTS[view].forEach((name, i) => ((row as unknown as Record<string, string>)[name] = decodeURIComponent(parts[i] ?? '')))
        rows.set(id, row)
      }
      row[count] += Number(value) || 0
    }
    return [...rows.values()]
  }

  async function readView(view: LedgerView, days: string[], user?: string): Promise<LedgerRow[]> {
    const replies = (await batch(days.map((day) => ['hgetall', keyOf(view, day, user)]), user !== undefined)) as Record<string, string>[]
    return replies.flatMap((fields, i) => decode(view, days[i]!, fields ?? {}, user))
  }

  return {
    async add(rows) {
      if (rows.length === 0) return
      await firstConnection()
      const commands: [string, ...(string | number)[]][] = []
      const expiries = new Map<string, number>()
      for (const row of rows) {
        const expireAt = Math.floor((Date.parse(`${row.day}T00:00:00Z`) + (options.retentionDays + 1) * DAY_MS) / 1000)
        for (const view of ['full', 'models', 'users'] as const) {
          const key = keyOf(view, row.day, row.user)
          const id = PARTS[view].map((name) => enc(row[name] as string)).join(SEP)
          for (const count of LEDGER_COUNTS) if (row[count] !== 0) commands.push(['hincrby', key, `${id}${SEP}${CODES[count]}`, row[count]])
          expiries.set(key, expireAt)
          if (view === 'users' && row.requests !== 0) {
            commands.push(['zincrby', topKey(row.day), row.requests, id])
            expiries.set(topKey(row.day), expireAt)
          }
        }
      }
      for (const [key, at] of expiries) commands.push(['expireat', key, at])
      await batch(commands, false)
    },
    async read(view, query) {
      await firstConnection()
      const days = daysOf(query.from, query.to)
      if (view !== 'full' || query.user !== undefined) return readView(view, days, query.user)
      // Every user's full rows: the users of each day first, then their hashes.
      const users = await readView('users', days)
      const pairs = [...new Set(users.map((u) => `${u.day}\n${u.user}`))].map((p) => p.split('\n') as [string, string])
      const replies = (await batch(pairs.map(([day, user]) => ['hgetall', keyOf('full', day, user)]), false)) as Record<string, string>[]
      return replies.flatMap((fields, i) => decode('full', pairs[i]![0], fields ?? {}, pairs[i]![1]))
    },
    async topUsers(day, limit) {
      await firstConnection()
      const [ranked, count] = (await batch([['zrevrange', topKey(day), 0, Math.max(0, limit - 1)], ['zcard', topKey(day)]], true)) as [string[], number]
      if (ranked.length === 0) return { rows: [], count: Number(count) }
      const fields = ranked.flatMap((id) => LEDGER_COUNTS.map((c) => `${id}${SEP}${CODES[c]}`))
      const values = (await client.hmget(keyOf('users', day), ...fields)) as (string | null)[]
      const flat: Record<string, string> = {}
      fields.forEach((f, i) => {
        if (values[i] !== null && values[i] !== undefined) flat[f] = values[i]!
      })
      return { rows: decode('users', day, flat).sort((a, b) => b.requests - a.requests), count: Number(count) }
    },
    async prune() {
      // Keys expire by themselves.
    },
    async append(entry: AuditEntry) {
      await firstConnection()
      await batch([['lpush', auditKey, JSON.stringify(entry)], ['ltrim', auditKey, 0, AUDIT_CAP - 1]], true)
    },
    async list({ limit }) {
      await firstConnection()
      const items = await client.lrange(auditKey, 0, Math.max(0, limit - 1))
      return items.map((item) => JSON.parse(item) as AuditEntry)
    },
    async close() {},
  }
}
