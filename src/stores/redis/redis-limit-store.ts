// The per-user limits on Redis/Valkey, shared by every replica. Each operation is one Lua script,
// so an admission is atomic across replicas and costs one round trip; the scripts read the clock
// of Redis itself (TIME), so that replicas whose clocks differ still share one window. A user's
// keys carry the same hash tag as their quota keys ({user}), one Cluster slot:
//   llmgw:limits:{alice}:slots   requests in flight (zset: slot -> expiry, ms)
//   llmgw:limits:{alice}:req     requests per second of the last minute (hash: second -> count)
//   llmgw:limits:{alice}:tok     tokens per second of the last minute (hash: second -> tokens)
// A slot expires unless its gateway renews it (every third of SLOT_TTL_MS while the request runs),
// so the slots of a replica that died free themselves instead of locking their users out.
import type { Cluster, Redis } from 'ioredis'
import type { LimitCheck, LimitStore } from '../../limits/limit-store'
import { firstConnectionWait } from './connect-redis'

const NOW = `
local t = redis.call('TIME')
local sec = tonumber(t[1])
local nowMs = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// The same rule as limits/minute-window.ts: the window at second S sums seconds S-59..S; a refused
// request is told how long until enough of the oldest seconds have left it.
const WINDOW = `
local function waitFor(key, limit)
  local all = redis.call('HGETALL', key)
  local total = 0
  local buckets = {}
  for i = 1, #all, 2 do
    local s = tonumber(all[i])
    local n = tonumber(all[i + 1])
    if s <= sec - 60 then redis.call('HDEL', key, all[i]) else
      total = total + n
      buckets[#buckets + 1] = {s, n}
    end
  end
  if total < limit then return 0 end
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  for _, b in ipairs(buckets) do
    total = total - b[2]
    if total < limit then return math.max(1, b[1] + 60 - sec) end
  end
  return 60
end
`

// KEYS: slots, req, tok. ARGV: slot, concurrent limit, rpm limit, tpm limit (-1 = none), slot ttl ms.
// Returns {allowed, deniedBy (1 concurrent, 2 rpm, 3 tpm), retry-after s, second}.
const ACQUIRE = `${NOW}${WINDOW}
local concurrent = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
if concurrent >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
  if redis.call('ZCARD', KEYS[1]) >= concurrent then return {0, 1, 1, sec} end
end
if rpm >= 0 then
  local wait = waitFor(KEYS[2], rpm)
  if wait > 0 then return {0, 2, wait, sec} end
end
if tpm >= 0 then
  local wait = waitFor(KEYS[3], tpm)
  if wait > 0 then return {0, 3, wait, sec} end
end
if concurrent >= 0 then
  redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[5]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
end
if rpm >= 0 then
  redis.call('HINCRBY', KEYS[2], sec, 1)
  redis.call('EXPIRE', KEYS[2], 61)
end
return {1, 0, 0, sec}
`

// KEYS: slots, req. ARGV: slot, second, 1 when the request was counted per minute.
const CANCEL = `
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[3] == '1' and tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0') > 0 then redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
return 1
`

// KEYS: tok. ARGV: tokens.
const ADD_TOKENS = `${NOW}
redis.call('HINCRBY', KEYS[1], sec, ARGV[1])
redis.call('EXPIRE', KEYS[1], 61)
return 1
`

// KEYS: slots. ARGV: slot, ttl ms. Only a slot still there is renewed (XX).
const RENEW = `${NOW}
redis.call('ZADD', KEYS[1], 'XX', nowMs + tonumber(ARGV[2]), ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 1
`

interface LimitCommands {
  llmgwLimitAcquire(slots: string, req: string, tok: string, slot: string, concurrent: number, rpm: number, tpm: number, ttlMs: number): Promise<number[]>
  llmgwLimitCancel(slots: string, req: string, slot: string, second: number, counted: number): Promise<number>
  llmgwLimitAddTokens(tok: string, tokens: number): Promise<number>
  llmgwLimitRenew(slots: string, slot: string, ttlMs: number): Promise<number>
}

export interface RedisLimitStoreOptions {
  prefix?: string
  /** How long a slot lives without renewal. Default 60 s. */
  slotTtlMs?: number
  startupWaitMs?: number
}

/** A token count Redis can add as an integer, whatever an upstream reported. */
function tokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), 1e12) : 0
}

const DENIED_BY = [null, 'concurrent_requests', 'requests_per_minute', 'tokens_per_minute'] as const

/** The store shares `client` with the quota and key stores; their owner closes it. */
export function createRedisLimitStore(client: Redis | Cluster, options: RedisLimitStoreOptions = {}): LimitStore {
  const prefix = options.prefix ?? 'llmgw:limits'
  const slotTtlMs = options.slotTtlMs ?? 60_000
  client.defineCommand('llmgwLimitAcquire', { numberOfKeys: 3, lua: ACQUIRE })
  client.defineCommand('llmgwLimitCancel', { numberOfKeys: 2, lua: CANCEL })
  client.defineCommand('llmgwLimitAddTokens', { numberOfKeys: 1, lua: ADD_TOKENS })
  client.defineCommand('llmgwLimitRenew', { numberOfKeys: 1, lua: RENEW })
  const commands = client as unknown as LimitCommands
  const firstConnection = firstConnectionWait(client, options.startupWaitMs ?? 2_000)

  // Percent-encoded, as the quota store's keys, so that a `{` or `}` in an id cannot move the hash tag.
  const base = (subject: string) => `${prefix}:{${encodeURIComponent(subject)}}`
  const slotsKey = (subject: string) => `${base(subject)}:slots`

  /** Slots this process holds, renewed while their requests run. */
  const held = new Map<string, string>()
  const renewal = setInterval(() => {
    for (const [slot, key] of held) commands.llmgwLimitRenew(key, slot, slotTtlMs).catch(() => {})
  }, Math.max(1, Math.floor(slotTtlMs / 3)))
  renewal.unref?.()

  return {
    async acquire(subject, slot, limits): Promise<LimitCheck> {
      await firstConnection()
      const b = base(subject)
      const [allowed, deniedBy, retryAfter, second] = (await commands.llmgwLimitAcquire(
        `${b}:slots`,
        `${b}:req`,
        `${b}:tok`,
        slot,
        limits.concurrentRequests ?? -1,
        limits.requestsPerMinute ?? -1,
        limits.tokensPerMinute ?? -1,
        slotTtlMs,
      )).map(Number)
      if (allowed === 1 && limits.concurrentRequests !== null) held.set(slot, `${b}:slots`)
      return { allowed: allowed === 1, deniedBy: DENIED_BY[deniedBy ?? 0] ?? null, retryAfterSeconds: retryAfter ?? 0, second: second ?? 0 }
    },
    async release(subject, slot) {
      held.delete(slot)
      await client.zrem(slotsKey(subject), slot)
    },
    async cancel(subject, slot, second, limits) {
      held.delete(slot)
      await commands.llmgwLimitCancel(slotsKey(subject), `${base(subject)}:req`, slot, second, limits.requestsPerMinute === null ? 0 : 1)
    },
    async addTokens(subject, tokens) {
      const n = tokenCount(tokens)
      if (n === 0) return
      await commands.llmgwLimitAddTokens(`${base(subject)}:tok`, n)
    },
    async close() {
      clearInterval(renewal)
      held.clear()
    },
  }
}
