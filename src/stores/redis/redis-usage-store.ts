// The usage ledger and the audit log on Redis/Valkey, shared by every replica. Each view of the
// ledger (see usage/usage-store.ts) is a hash per day, whose fields are the row's key columns and
// one count, and whose values only ever grow by HINCRBY: many replicas adding at once stay exact.
// Layout (prefix P, parts percent-encoded, counts r e i o cr cw l):
//   P:{u:<user>}:<day>   full rows of one user and day   field tier|requested|model|backend|count
//   P:{m:<day>}          rows summed over users           field tier|requested|model|backend|count
//   P:{t:<day>}          rows summed over models          field user|tier|count
//   P:{t:<day>}:top      the same rows' requests          sorted set of user|tier (the top users)
// A user's keys share a hash tag, so a user's history is one pipeline even on a Cluster. Each key
// expires `retentionDays` after its day, so retention needs no sweep. A batch is applied by one
// Lua script per hash tag, which first sets a marker P:{tag}:batch:<id> (kept a day): a batch sent
// again after a timeout (Redis may have applied it before the reply was lost) is not counted twice.
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
const BATCH_MARKER_TTL_S = 86_400

// KEYS[1] the batch marker, then the keys the operations name by index. ARGV[1] the marker's ttl,
// then operations: h <key> <field> <n> (HINCRBY), z <key> <n> <member> (ZINCRBY), e <key> <at> (EXPIREAT).
const APPLY = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  if op == 'h' then
    redis.call('HINCRBY', key, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'z' then
    redis.call('ZINCRBY', key, ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  else
    redis.call('EXPIREAT', key, ARGV[i + 2])
    i = i + 3
  end
end
return 1
`

/** The operations of one batch on the keys of one hash tag (one Cluster slot). */
class SlotBatch {
  readonly keys: string[] = []
  readonly ops: (string | number)[] = []
  private readonly index = new Map<string, number>()
  constructor(marker: string) {
    this.keys.push(marker)
  }
  private keyIndex(key: string): number {
    let i = this.index.get(key)
    if (i === undefined) {
      this.keys.push(key)
      i = this.keys.length
      this.index.set(key, i)
    }
    return i
  }
  hincrby(key: string, field: string, n: number) {
    this.ops.push('h', this.keyIndex(key), field, n)
  }
  zincrby(key: string, n: number, member: string) {
    this.ops.push('z', this.keyIndex(key), n, member)
  }
  expireat(key: string, at: number) {
    this.ops.push('e', this.keyIndex(key), at)
  }
}

type ApplyCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number>

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
  client.defineCommand('llmgwUsageApply', { lua: APPLY })
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
    async add(rows, batchId = crypto.randomUUID()) {
      if (rows.length === 0) return
      await firstConnection()
      const groups = new Map<string, SlotBatch>()
      const groupOf = (key: string) => {
        const tag = key.slice(key.indexOf('{') + 1, key.indexOf('}'))
        let group = groups.get(tag)
        if (!group) {
          group = new SlotBatch(`${prefix}:{${tag}}:batch:${batchId}`)
          groups.set(tag, group)
        }
        return group
      }
      const expiries = new Map<string, number>()
      for (const row of rows) {
        const expireAt = Math.floor((Date.parse(`${row.day}T00:00:00Z`) + (options.retentionDays + 1) * DAY_MS) / 1000)
        for (const view of ['full', 'models', 'users'] as const) {
          const key = keyOf(view, row.day, row.user)
          const group = groupOf(key)
          const id = PARTS[view].map((name) => enc(row[name] as string)).join(SEP)
          for (const count of LEDGER_COUNTS) if (row[count] !== 0) group.hincrby(key, `${id}${SEP}${CODES[count]}`, row[count])
          expiries.set(key, expireAt)
          if (view === 'users' && row.requests !== 0) {
            group.zincrby(topKey(row.day), row.requests, id)
            expiries.set(topKey(row.day), expireAt)
          }
        }
      }
      for (const [key, at] of expiries) groupOf(key).expireat(key, at)
      const calls = [...groups.values()].map((g) => [g.keys.length, ...g.keys, BATCH_MARKER_TTL_S, ...g.ops] as [number, ...(string | number)[]])
      if (isCluster(client)) {
        // Each group is one slot. EVAL, whose keys the Cluster client reads from its numkeys, goes
        // to the node of its slot (a script defined without a fixed number of keys would not).
        await Promise.all(calls.map((args) => client.eval(APPLY, ...args)))
        return
      }
      const pipeline = client.pipeline() as unknown as { llmgwUsageApply: ApplyCommand; exec(): Promise<[Error | null, unknown][] | null> }
      for (const args of calls) pipeline.llmgwUsageApply(...args)
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error
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
