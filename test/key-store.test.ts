// The gateway key stores, embedded (bun:sqlite) and shared (a real redis-server): keys work once
// created, stop working once revoked (on another replica too, within seconds), and the store never
// holds a key in plain text.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Cluster, Redis } from 'ioredis'
import { createAuthenticator } from '../src/auth/create-authenticator'
import { GATEWAY_KEY_PREFIX } from '../src/auth/generate-gateway-key'
import { hashCredential } from '../src/auth/hash-credential'
import type { KeyStore } from '../src/auth/key-store'
import { createRedisKeyStore } from '../src/stores/redis/redis-key-store'
import { createSqliteKeyStore } from '../src/stores/sqlite/sqlite-key-store'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { startRedisCluster, type RunningRedisCluster } from './helpers/redis-cluster'
import { startRedis, type RunningRedis } from './helpers/redis-server'

const bearer = (key: string) => new Headers({ authorization: `Bearer ${key}` })

async function waitReady(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis not ready in 5 s')), 5_000)
    client.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function behavesLikeAKeyStore(name: string, open: () => Promise<KeyStore>) {
  describe(`${name} key store`, () => {
    let store: KeyStore
    beforeAll(async () => {
      store = await open()
    })
    afterAll(async () => {
      await store.close()
    })

    it('creates a prefixed key with >= 32 random bytes that it then finds by hash', async () => {
      const created = await store.create({ user: 'alice', tier: 'pro', name: 'laptop' })
      expect(created.key.startsWith(GATEWAY_KEY_PREFIX)).toBe(true)
      expect(Buffer.from(created.key.slice(GATEWAY_KEY_PREFIX.length), 'base64url').length).toBeGreaterThanOrEqual(32)
      expect(created).toMatchObject({ user: 'alice', tier: 'pro', name: 'laptop' })
      expect(await store.findByHash(hashCredential(created.key))).toEqual({
        id: created.id, user: 'alice', tier: 'pro', name: 'laptop', createdAt: created.createdAt,
      })
    })

    it('never hands the key out again: list shows ids only', async () => {
      const created = await store.create({ user: 'bob', tier: 'free' })
      const listed = await store.list()
      const mine = listed.find((k) => k.id === created.id)
      expect(mine).toEqual({ id: created.id, user: 'bob', tier: 'free', createdAt: created.createdAt })
      expect(JSON.stringify(listed)).not.toContain(created.key)
    })

    it('revokes by id: the key is no longer found, and list marks it revoked', async () => {
      const created = await store.create({ user: 'carol', tier: 'enterprise' })
      expect(await store.revoke(created.id)).toBe(true)
      expect(await store.revoke(created.id)).toBe(true)
      expect(await store.findByHash(hashCredential(created.key))).toBeNull()
      expect((await store.list()).find((k) => k.id === created.id)?.revokedAt).toBeString()
    })

    it('answers false when revoking an unknown id, null for an unknown hash', async () => {
      expect(await store.revoke('key_nope')).toBe(false)
      expect(await store.findByHash(hashCredential('sk-gw-nope'))).toBeNull()
    })

    it('refuses to create a key without user or tier', async () => {
      await expect(store.create({ user: '', tier: 'pro' })).rejects.toThrow()
      await expect(store.create({ user: 'x', tier: ' ' })).rejects.toThrow()
    })
  })
}

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  behavesLikeAKeyStore('sqlite', async () => createSqliteKeyStore({ dataDir: dir }))

  it('keeps keys across reopening the file, and the file bytes never contain a key', async () => {
    const first = createSqliteKeyStore({ dataDir: dir })
    const keys: string[] = []
    for (let i = 0; i < 5; i++) keys.push((await first.create({ user: `u${i}`, tier: 'pro' })).key)
    await first.close()
    const second = createSqliteKeyStore({ dataDir: dir })
    expect(await second.findByHash(hashCredential(keys[0] as string))).not.toBeNull()
    await second.close()
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)))
    expect(files.length).toBeGreaterThan(0)
    for (const bytes of files) {
      for (const key of keys) {
        expect(bytes.includes(key)).toBe(false)
        expect(bytes.includes(key.slice(GATEWAY_KEY_PREFIX.length))).toBe(false)
      }
    }
  })
})

describe('redis', () => {
  let redis: RunningRedis
  const clients: (Redis | Cluster)[] = []
  async function client(): Promise<Redis | Cluster> {
    const c = connectRedis(redis.url)
    clients.push(c)
    await waitReady(c)
    return c
  }
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    for (const c of clients) c.disconnect()
    await redis.stop()
  })

  behavesLikeAKeyStore('redis', async () => createRedisKeyStore({ client: await client() }))

  it('refuses a revoked key on a second replica sharing Redis within seconds', async () => {
    // Two gateway processes: separate clients, stores and caches, one Redis.
    const replicaA = createRedisKeyStore({ client: await client() })
    const replicaB = createRedisKeyStore({ client: await client() })
    const authA = createAuthenticator({ providers: ['keys'], keyStore: replicaA, keyCache: { cacheTtlMs: 2_000 } })
    const authB = createAuthenticator({ providers: ['keys'], keyStore: replicaB, keyCache: { cacheTtlMs: 2_000 } })

    const created = await replicaA.create({ user: 'dave', tier: 'pro' })
    expect((await authB.authenticate(bearer(created.key))).user).toBe('dave')
    expect((await authA.authenticate(bearer(created.key))).user).toBe('dave')

    const revokedAt = Date.now()
    expect(await replicaA.revoke(created.id)).toBe(true)
    let refusedAfterMs = -1
    while (Date.now() - revokedAt < 10_000) {
      try {
        await authB.authenticate(bearer(created.key))
      } catch (error) {
        expect((error as { status: number }).status).toBe(401)
        refusedAfterMs = Date.now() - revokedAt
        break
      }
      await Bun.sleep(100)
    }
    expect(refusedAfterMs).toBeGreaterThanOrEqual(0)
    expect(refusedAfterMs).toBeLessThanOrEqual(3_000)
  })

  it('a lookup sent before the client has connected waits for the first connection instead of failing', async () => {
    const seeded = await createRedisKeyStore({ client: await client() }).create({ user: 'erin', tier: 'pro' })
    for (let i = 0; i < 5; i++) {
      // A new gateway's first request: the client is still connecting (no offline queue).
      const fresh = connectRedis(redis.url)
      clients.push(fresh)
      expect(fresh.status).not.toBe('ready')
      const store = createRedisKeyStore({ client: fresh })
      const record = await store.findByHash(hashCredential(seeded.key))
      expect(record?.user).toBe('erin')
      expect(await store.findByHash(hashCredential('sk-not-a-key'))).toBeNull()
    }
  })

  it('a lookup while Redis has never been reached waits the startup wait, then fails', async () => {
    const down = await startRedis()
    await down.pause()
    const fresh = connectRedis(down.url)
    clients.push(fresh)
    try {
      const store = createRedisKeyStore({ client: fresh, startupWaitMs: 300 })
      const started = performance.now()
      const error = await store.findByHash(hashCredential('sk-any')).then(() => null, (e: unknown) => e)
      const waited = performance.now() - started
      expect(error).toBeInstanceOf(Error)
      // It waited for the connection (it did not fail at once) and then gave up, well before the
      // default wait of 2 s (the bound leaves a slow machine more than a second of slack).
      expect(waited).toBeGreaterThanOrEqual(290)
      expect(waited).toBeLessThan(1_900)
    } finally {
      await down.stop()
    }
  })

  it('never stores a key in plain text: no Redis key or value contains it', async () => {
    const store = createRedisKeyStore({ client: await client() })
    const keys: string[] = []
    for (let i = 0; i < 3; i++) keys.push((await store.create({ user: `scan${i}`, tier: 'free', name: 'n' })).key)
    await store.revoke((await store.list())[0]!.id)

    const raw = await client()
    if (!('scan' in raw) || 'nodes' in raw) throw new Error('expected a standalone client')
    let dump = ''
    let cursor = '0'
    let rounds = 0
    do {
      const [next, names] = await raw.scan(cursor, 'COUNT', 100)
      cursor = next
      for (const name of names) {
        dump += name + '\n'
        const type = await raw.type(name)
        if (type === 'hash') dump += JSON.stringify(await raw.hgetall(name))
        else if (type === 'zset') dump += (await raw.zrange(name, '0', '-1')).join(',')
        else if (type === 'string') dump += (await raw.get(name)) ?? ''
        else if (type === 'set') dump += (await raw.smembers(name)).join(',')
        else if (type === 'list') dump += (await raw.lrange(name, 0, -1)).join(',')
        else dump += `<${type}>`
        dump += '\n'
      }
    } while (cursor !== '0' && ++rounds < 1_000)
    expect(dump).toContain(hashCredential(keys[1] as string))
    for (const key of keys) {
      expect(dump).not.toContain(key)
      expect(dump).not.toContain(key.slice(GATEWAY_KEY_PREFIX.length))
    }
  })
})

describe('redis cluster', () => {
  let cluster: RunningRedisCluster
  let clusterClient: Redis | Cluster
  beforeAll(async () => {
    cluster = await startRedisCluster()
    clusterClient = connectRedis(cluster.url)
    await waitReady(clusterClient)
  }, 60_000)
  afterAll(async () => {
    clusterClient?.disconnect()
    await cluster?.stop()
  })

  // One hash tag puts all the store's keys in one slot, so its MULTI transactions work on a Cluster.
  behavesLikeAKeyStore('redis cluster', async () => createRedisKeyStore({ client: clusterClient }))
})
