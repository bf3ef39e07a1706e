// Gateway keys in Redis/Valkey, shared by every replica. All keys carry one hash tag so the
// store's few small keys sit in one Cluster slot and MULTI works there too. Layout (prefix P):
//   P:hash:<sha256>  -> hash {id,user,tier,name,createdAt}   (the hot-path lookup; deleted on revoke)
//   P:id:<id>        -> hash {...record, hash, revokedAt}     (list and revoke)
//   P:ids            -> zset of ids scored by creation time
//   P:user:<user>    -> zset of one user's ids scored by creation time (paging a user's keys)
// Pages are ranges of these sets by rank, so a page costs its own size whatever the number of keys.
// Revocation deletes the lookup entry at once; replicas see it when their short cache entry expires
// (see gateway-key-authenticator.ts).
import type { Cluster, Redis } from 'ioredis'
import { firstConnectionWait } from './connect-redis'
import { generateGatewayKey } from '../../auth/generate-gateway-key'
import { MAX_KEY_PAGE, validateNewKey, type CreatedGatewayKey, type GatewayKeyRecord, type KeyStore } from '../../auth/key-store'

export interface RedisKeyStoreOptions {
  client: Redis | Cluster
  /** Key prefix; keep the `{...}` hash tag. */
  prefix?: string
  /** Whether `close()` quits the client (false when the client is shared, e.g. with the quota store). */
  ownsClient?: boolean
  now?: () => Date
  /** How long the first commands wait for the initial connection (later, commands fail at once). Default 2000 ms. */
  startupWaitMs?: number
}

function toRecord(fields: Record<string, string>): GatewayKeyRecord | null {
  if (!fields.id || !fields.user || !fields.tier || !fields.createdAt) return null
  const record: GatewayKeyRecord = { id: fields.id, user: fields.user, tier: fields.tier, createdAt: fields.createdAt }
  if (fields.name) record.name = fields.name
  if (fields.revokedAt) record.revokedAt = fields.revokedAt
  return record
}

export function createRedisKeyStore(options: RedisKeyStoreOptions): KeyStore {
  const { client } = options
  const prefix = options.prefix ?? 'gw:{keys}'
  const now = options.now ?? (() => new Date())
  const hashKey = (hash: string) => `${prefix}:hash:${hash}`
  const idKey = (id: string) => `${prefix}:id:${id}`
  const idsKey = `${prefix}:ids`
  const userKey = (user: string) => `${prefix}:user:${encodeURIComponent(user)}`
  const firstConnection = firstConnectionWait(client, options.startupWaitMs ?? 2_000)

  async function records(ids: string[]): Promise<GatewayKeyRecord[]> {
    if (ids.length === 0) return []
    const pipeline = client.pipeline()
    for (const id of ids) pipeline.hgetall(idKey(id))
    const results = (await pipeline.exec()) ?? []
    const out: GatewayKeyRecord[] = []
    for (const [error, fields] of results) {
      if (error) throw error
      const record = toRecord(fields as Record<string, string>)
      if (record) out.push(record)
    }
    return out
  }

  // Keys created before the per-user sets existed are added to them once, by the first page of a user's keys.
  let indexed: Promise<void> | null = null
  function indexUsers(): Promise<void> {
    indexed ??= (async () => {
      const marker = `${prefix}:user-index`
      if ((await client.exists(marker)) === 1) return
      const ids = await client.zrange(idsKey, '0', '-1')
      for (let i = 0; i < ids.length; i += 1000) {
        const found = await records(ids.slice(i, i + 1000))
        const pipeline = client.pipeline()
        for (const r of found) pipeline.zadd(userKey(r.user), Date.parse(r.createdAt), r.id)
        await pipeline.exec()
      }
      await client.set(marker, '1')
    })().catch((error) => {
      indexed = null
      throw error
    })
    return indexed
  }

  return {
    async create(input) {
      validateNewKey(input)
      await firstConnection()
      const { id, key, hash } = generateGatewayKey()
      const created = now()
      const createdAt = created.toISOString()
      const fields: Record<string, string> = { id, user: input.user, tier: input.tier, createdAt }
      if (input.name !== undefined) fields.name = input.name
      const results = await client
        .multi()
        .hset(hashKey(hash), fields)
        .hset(idKey(id), { ...fields, hash })
        .zadd(idsKey, created.getTime(), id)
        .zadd(userKey(input.user), created.getTime(), id)
        .exec()
      const failed = results?.find(([error]) => error !== null)
      if (!results || failed) throw new Error('could not store the key in Redis')
      const answer: CreatedGatewayKey = { id, key, user: input.user, tier: input.tier, createdAt }
      if (input.name !== undefined) answer.name = input.name
      return answer
    },
    async list() {
      await firstConnection()
      return records(await client.zrange(idsKey, '0', '-1'))
    },
    async page(query) {
      await firstConnection()
      const limit = Math.max(1, Math.min(MAX_KEY_PAGE, Math.floor(query.limit)))
      const start = query.cursor && /^\d{1,15}$/.test(query.cursor) ? Number(query.cursor) : 0
      if (query.user !== undefined) await indexUsers()
      const ids = await client.zrange(query.user === undefined ? idsKey : userKey(query.user), String(start), String(start + limit))
      const more = ids.length > limit
      return { data: await records(more ? ids.slice(0, limit) : ids), nextCursor: more ? String(start + limit) : null }
    },
    async get(id) {
      await firstConnection()
      return toRecord(await client.hgetall(idKey(id)))
    },
    async revoke(id) {
      await firstConnection()
      const fields = await client.hgetall(idKey(id))
      if (!fields.id) return false
      if (fields.revokedAt) return true
      const tx = client.multi().hset(idKey(id), 'revokedAt', now().toISOString())
      if (fields.hash) tx.del(hashKey(fields.hash))
      const results = await tx.exec()
      if (!results || results.some(([error]) => error !== null)) throw new Error('could not revoke the key in Redis')
      return true
    },
    async findByHash(hash) {
      await firstConnection()
      return toRecord(await client.hgetall(hashKey(hash)))
    },
    async close() {
      if (options.ownsClient) await client.quit()
    },
  }
}
