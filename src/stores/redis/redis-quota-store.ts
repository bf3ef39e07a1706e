// The shared quota store on Redis/Valkey, standalone or Cluster. Every operation is one Lua
// script (EVALSHA through ioredis defineCommand), so admission is atomic across replicas and
// costs one round trip. A user's keys share the hash tag `{user}`, so they live in one Cluster
// slot and a script may touch them together:
//   llmgw:quota:{alice}:2026-11-27:req   request count (string)
//   llmgw:quota:{alice}:2026-11-27:tok   token usage (hash: in, out)
//   llmgw:quota:{alice}:2026-11-27:grant requests an operator added to the day's limit (string)
// All expire after the TTL the caller passes (the reset plus a margin). With `waitReplicas`, an
// admission is answered only once that many replicas have it (replica-confirmation.ts); one that
// is not confirmed in time is given back when it safely can be and fails like any store error, so
// that `quota.on_store_error` decides: `reject` answers 503, `allow` lets it through uncounted.

import type { Cluster, Redis } from 'ioredis'
import { firstConnectionWait } from './connect-redis'
import { QuotaWriteRefused, type QuotaAdmission, type QuotaCounts, type QuotaStore, wholeRequests } from '../../quota/quota-store'
import { wholeTokenCount } from '../../quota/token-count'
import { createReplicaConfirmation, type ReplicaConfirmation } from './replica-confirmation'

// ARGV: request limit, token limit (-1 = unlimited), ttl. Returns {allowed, used, tokens, deniedBy}
// with deniedBy 0 = none, 1 = requests, 2 = tokens.
const ADMIT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local usage = redis.call('HMGET', KEYS[2], 'in', 'out')
local tokens = (tonumber(usage[1]) or 0) + (tonumber(usage[2]) or 0)
local granted = tonumber(redis.call('GET', KEYS[3]) or '0')
local requestLimit = tonumber(ARGV[1])
local tokenLimit = tonumber(ARGV[2])
if tokenLimit >= 0 and tokens >= tokenLimit then return {0, used, tokens, 2, granted} end
if requestLimit >= 0 and used >= requestLimit + granted then return {0, used, tokens, 1, granted} end
used = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used, tokens, 0, granted}
`

const RELEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`

const ADD_TOKENS = `
redis.call('HINCRBY', KEYS[1], 'in', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'out', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`

const COUNTS = `
local usage = redis.call('HMGET', KEYS[2], 'in', 'out')
return {tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(usage[1]) or 0, tonumber(usage[2]) or 0, tonumber(redis.call('GET', KEYS[3]) or '0')}
`

const GRANT = `
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`

interface QuotaCommands {
  llmgwQuotaAdmit(requestKey: string, tokenKey: string, grantKey: string, requestLimit: number, tokenLimit: number, ttl: number): Promise<number[]>
  llmgwQuotaRelease(requestKey: string): Promise<number>
  llmgwQuotaAddTokens(tokenKey: string, input: number, output: number, ttl: number): Promise<number>
  llmgwQuotaCounts(requestKey: string, tokenKey: string, grantKey: string): Promise<number[]>
  llmgwQuotaGrant(grantKey: string, requests: number, ttl: number): Promise<number>
}

export interface RedisQuotaStoreOptions {
  /** Key prefix, `llmgw:quota` by default. */
  prefix?: string
  /** How long the first commands wait for the initial connection (later, commands fail at once). */
  startupWaitMs?: number
  /** Replicas that must acknowledge an admission before it is answered (Redis WAIT); 0 = none. Not on a Cluster. */
  waitReplicas?: number
  /** How long WAIT waits for them, in ms. */
  waitTimeoutMs?: number
}

// Replies that say the store cannot serve right now (a demoted or loading master, memory, a
// Cluster in flux): the store is failing, and the write may succeed later. Any other error reply
// refuses this write for good.
const PASSING_REPLY_ERRORS = /^(READONLY|LOADING|MASTERDOWN|OOM|BUSY|TRYAGAIN|CLUSTERDOWN|MOVED|ASK|NOREPLICAS|NOSCRIPT|NOAUTH|WRONGPASS)\b/

/** An error reply from the server (it was reached) that no retry can turn into success. */
function refusedForGood(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && !PASSING_REPLY_ERRORS.test(error.message)
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as Cluster).isCluster === true
}

function ttl(seconds: number): number {
  return Math.max(1, Math.ceil(seconds))
}

/** The store owns `client`: close() quits it. */
export function createRedisQuotaStore(client: Redis | Cluster, options: RedisQuotaStoreOptions = {}): QuotaStore {
  const prefix = options.prefix ?? 'llmgw:quota'
  const startupWaitMs = options.startupWaitMs ?? 2_000
  client.defineCommand('llmgwQuotaAdmit', { numberOfKeys: 3, lua: ADMIT })
  client.defineCommand('llmgwQuotaRelease', { numberOfKeys: 1, lua: RELEASE })
  client.defineCommand('llmgwQuotaAddTokens', { numberOfKeys: 1, lua: ADD_TOKENS })
  client.defineCommand('llmgwQuotaCounts', { numberOfKeys: 3, lua: COUNTS, readOnly: true })
  client.defineCommand('llmgwQuotaGrant', { numberOfKeys: 1, lua: GRANT })
  const commands = client as unknown as QuotaCommands
  const confirmation = replicaConfirmation(client, options)

  // User ids are percent-encoded so that a `{`, `}` or `:` in one cannot break the hash tag.
  function keys(user: string, day: string): { requests: string; tokens: string; grant: string } {
    if (user === '') throw new Error('quota: empty user id')
    const base = `${prefix}:{${encodeURIComponent(user)}}:${day}`
    return { requests: `${base}:req`, tokens: `${base}:tok`, grant: `${base}:grant` }
  }

  const firstConnection = firstConnectionWait(client, startupWaitMs)

  return {
    async admit(user, day, limits, ttlSeconds): Promise<QuotaAdmission> {
      const k = keys(user, day)
      await firstConnection()
      const pending = confirmation?.begin()
      const reply = await commands.llmgwQuotaAdmit(
        k.requests,
        k.tokens,
        k.grant,
        limits.requests ?? -1,
        limits.tokens ?? -1,
        ttl(ttlSeconds),
      )
      const [allowed, used, tokensUsed, deniedBy, granted] = reply.map(Number)
      if (pending && allowed === 1) {
        try {
          await pending.confirm()
        } catch (error) {
          // Undone only over the connection that made the count: after a failover the same
          // command could reach a master that never had it and take someone else's count away.
          if (pending.sameConnection()) await commands.llmgwQuotaRelease(k.requests).catch(() => {})
          throw error
        }
      }
      return {
        allowed: allowed === 1,
        used: used ?? 0,
        tokensUsed: tokensUsed ?? 0,
        deniedBy: deniedBy === 1 ? 'requests' : deniedBy === 2 ? 'tokens' : null,
        // Only stated when there is one, as the embedded store does.
        ...(granted ? { granted } : {}),
      }
    },
    async release(user, day) {
      await firstConnection()
      await commands.llmgwQuotaRelease(keys(user, day).requests)
    },
    async addTokens(user, day, inputTokens, outputTokens, ttlSeconds) {
      const input = wholeTokenCount(inputTokens)
      const output = wholeTokenCount(outputTokens)
      if (input === 0 && output === 0) return
      await firstConnection()
      try {
        await commands.llmgwQuotaAddTokens(keys(user, day).tokens, input, output, ttl(ttlSeconds))
      } catch (error) {
        if (refusedForGood(error)) throw new QuotaWriteRefused(`Redis refused the token counts: ${(error as Error).message.split('\n')[0]?.slice(0, 200)}`)
        throw error
      }
    },
    async counts(user, day): Promise<QuotaCounts> {
      const k = keys(user, day)
      await firstConnection()
      const [requests, inputTokens, outputTokens, granted] = (await commands.llmgwQuotaCounts(k.requests, k.tokens, k.grant)).map(Number)
      return { requests: requests ?? 0, inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0, ...(granted ? { granted } : {}) }
    },
    async grant(user, day, requests, ttlSeconds) {
      const k = keys(user, day)
      await firstConnection()
      await commands.llmgwQuotaGrant(k.grant, wholeRequests(requests), ttl(ttlSeconds))
    },
    async reset(user, day) {
      const k = keys(user, day)
      await firstConnection()
      // One slot (the user's hash tag): one DEL removes both.
      await client.del(k.requests, k.tokens)
    },
    /** On a Cluster, every master must answer: one unreachable master means some users cannot be counted. */
    async ping() {
      await firstConnection()
      if (!isCluster(client)) {
        await client.ping()
        // While admissions cannot be confirmed, the store is not ready for them.
        await confirmation?.check()
        return
      }
      if (client.status !== 'ready') throw new Error(`Redis Cluster is ${client.status}`)
      const masters = client.nodes('master')
      if (masters.length === 0) throw new Error('Redis Cluster has no reachable master')
      await Promise.all(masters.map((node) => node.ping()))
    },
    async close() {
      if (client.status !== 'end') await client.quit().catch(() => {})
      // QUIT ends the connection to the master only: with Sentinel, the connections that watch
      // for a failover would keep reconnecting for ever. disconnect() closes those too.
      client.disconnect()
    },
  }
}

function replicaConfirmation(client: Redis | Cluster, options: RedisQuotaStoreOptions): ReplicaConfirmation | null {
  const replicas = options.waitReplicas ?? 0
  if (replicas === 0) return null
  // WAIT answers for the one node a connection reaches; a Cluster spreads users over several.
  if (isCluster(client)) throw new Error('store.redis_wait_replicas is not supported on a Redis Cluster')
  return createReplicaConfirmation(client, replicas, options.waitTimeoutMs ?? 500)
}
