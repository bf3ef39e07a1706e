// The sign-in stores, embedded (bun:sqlite) and shared (a real redis-server, and a Redis Cluster):
// the same contract, whose compare-and-set is what makes device codes and refresh tokens single-use
// across replicas; and sign-in while the store is down: 503s in the OAuth shape, never a 500 or an
// approval. Keycloak is not needed here: the store decides before any call to it.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Cluster, Redis } from 'ioredis'
import { runTempDir } from './helpers/run-temp-dirs'
import { createSessions } from '../src/auth/sessions/sessions'
import { createSessionTokens } from '../src/auth/sessions/session-tokens'
import { deriveSessionKeys } from '../src/auth/sessions/session-keys'
import type { SignInStore } from '../src/auth/sessions/sign-in-store'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createRedisSignInStore } from '../src/stores/redis/redis-sign-in-store'
import { createSqliteSignInStore } from '../src/stores/sqlite/sqlite-sign-in-store'
import { freePort } from './helpers/free-port'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { postForm } from './helpers/device-sign-in'
import { startRedisCluster, type RunningRedisCluster } from './helpers/redis-cluster'
import { startRedis, type RunningRedis } from './helpers/redis-server'

let redis: RunningRedis
let cluster: RunningRedisCluster
const clients: (Redis | Cluster)[] = []

beforeAll(async () => {
  ;[redis, cluster] = await Promise.all([startRedis(), startRedisCluster()])
}, 60_000)
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis?.stop()
  await cluster?.stop()
})

function redisStore(url: () => string): () => SignInStore {
  return () => {
    const client = connectRedis(url())
    clients.push(client)
    return createRedisSignInStore(client, { startupWaitMs: 5_000 })
  }
}

function behavesLikeASignInStore(name: string, open: () => SignInStore) {
  describe(`${name} sign-in store`, () => {
    it('writes a record only at the version it expects, and deletes the same way', async () => {
      const store = open()
      expect(await store.get('session', 's1')).toBeNull()
      expect(await store.put('session', 's1', 1, 'x', 60_000)).toBe(false)
      expect(await store.put('session', 's1', 0, 'first', 60_000)).toBe(true)
      expect(await store.get('session', 's1')).toEqual({ version: 1, value: 'first' })
      expect(await store.put('session', 's1', 0, 'again', 60_000)).toBe(false)
      expect(await store.put('session', 's1', 1, 'second', 60_000)).toBe(true)
      expect(await store.get('session', 's1')).toEqual({ version: 2, value: 'second' })
      expect(await store.put('session', 's1', 1, null, 60_000)).toBe(false)
      expect(await store.put('session', 's1', 2, null, 60_000)).toBe(true)
      expect(await store.get('session', 's1')).toBeNull()
      // Kinds are apart: the same id under another kind is another record.
      expect(await store.put('device-grant', 's1', 0, 'grant', 60_000)).toBe(true)
      expect(await store.get('session', 's1')).toBeNull()
    })

    it('lets exactly one of many simultaneous writers at one version through', async () => {
      const [a, b] = [open(), open()]
      await a.put('device-grant', 'race', 0, 'pending', 60_000)
      const wins = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).put('device-grant', 'race', 1, `redeemed-${i}`, 60_000)))
      expect(wins.filter(Boolean)).toHaveLength(1)
    })

    it('forgets a record after its lifetime', async () => {
      const store = open()
      await store.put('user-code', 'BCDFGHJK', 0, 'grant', 50)
      expect(await store.get('user-code', 'BCDFGHJK')).not.toBeNull()
      await Bun.sleep(120)
      expect(await store.get('user-code', 'BCDFGHJK')).toBeNull()
      expect(await store.put('user-code', 'BCDFGHJK', 0, 'other', 60_000)).toBe(true)
    })

    it('keeps the first shared secret offered, whoever offers later', async () => {
      const [a, b] = [open(), open()]
      const first = await a.sharedSecret('secret-from-replica-a')
      expect(await b.sharedSecret('secret-from-replica-b')).toBe(first)
      expect(await a.sharedSecret('another')).toBe(first)
    })

    it('lets a refresh token be used once, by whichever replica comes first', async () => {
      const keys = deriveSessionKeys('a-test-secret-that-is-long-enough-0123456789')
      const replica = () => {
        const store = open()
        const tokens = createSessionTokens({ keys: async () => keys, issuer: 'https://gw.test', ttlS: 3600 })
        return createSessions({ store, tokens, refreshTtlS: 3600, refreshUpstream: async (s) => ({ ok: true, seed: s }) })
      }
      const [a, b] = [replica(), replica()]
      const issued = await a.start({ user: 'u', name: null, tier: 'free', upstreamRefresh: 'sealed' })
      const answers = await Promise.all([a.refresh(issued.refreshToken), b.refresh(issued.refreshToken), b.refresh(issued.refreshToken)])
      expect(answers.filter((x) => x.ok)).toHaveLength(1)
    })
  })
}

// One file per store: the embedded store belongs to one process, replicas share the file here only to test the contract.
let sqliteDir = ''
behavesLikeASignInStore('SQLite', () => createSqliteSignInStore({ dataDir: (sqliteDir ||= runTempDir('llmgw-signin-')) }))
behavesLikeASignInStore('Redis', redisStore(() => redis.url))
behavesLikeASignInStore('Redis Cluster', redisStore(() => cluster.url))

describe('sign-in while Redis is down', () => {
  it('answers 503 temporarily_unavailable on the OAuth endpoints and 503 on minted-looking tokens, then recovers by itself', async () => {
    const own = await startRedis()
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    const gw = listenTestGateway(
      testConfig({
        server: { public_url: publicUrl },
        store: { redis_url: own.url },
        // The signing key lives in the store (none configured): while Redis is down no token can be checked.
        auth: { keycloak: { issuer: 'http://127.0.0.1:9/realms/none', client_id: 'claude-gateway', client_secret: 's' } },
        backends: { b: { base_url: 'http://127.0.0.1:9/v1' } },
        models: { m: { backend: 'b' } },
        tiers: { free: {} },
        quota: { on_store_error: 'allow' },
      }),
      { port },
    )
    try {
      await own.pause()
      const device = await postForm(`${publicUrl}/oauth/device_authorization`, { surface: 'claude_code' })
      expect(device.status).toBe(503)
      expect(await device.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect(device.headers.get('retry-after')).toBe('5')
      const token = await postForm(`${publicUrl}/oauth/token`, { grant_type: 'refresh_token', refresh_token: `gwrt_${'A'.repeat(22)}.${'B'.repeat(43)}` })
      expect(token.status).toBe(503)
      const header = Buffer.from('{"alg":"HS256","typ":"at+jwt"}').toString('base64url')
      const payload = Buffer.from(JSON.stringify({ iss: publicUrl, sub: 'x', tier: 'free', sid: 's', exp: 2e9 })).toString('base64url')
      const minted = await fetch(`${publicUrl}/v1/messages`, json({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { authorization: `Bearer ${header}.${payload}.${'A'.repeat(43)}` }))
      expect(minted.status).toBe(503)
      expect(await minted.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } })

      await own.resume()
      let answered = 0
      for (let i = 0; i < 50 && answered !== 200; i++) {
        answered = (await postForm(`${publicUrl}/oauth/device_authorization`, {})).status
        if (answered !== 200) await Bun.sleep(100)
      }
      expect(answered).toBe(200)
      // Now the key is known: the forged token is refused as a forgery, not as an outage.
      const forged = await fetch(`${publicUrl}/v1/models`, { headers: { authorization: `Bearer ${header}.${payload}.${'A'.repeat(43)}` } })
      expect(forged.status).toBe(401)
    } finally {
      await gw.stop()
      await own.stop()
    }
  }, 60_000)

  it('answers the verification form with a 503 page, and approves nothing, while Keycloak is unreachable', async () => {
    const port = await freePort()
    const publicUrl = `http://127.0.0.1:${port}`
    const gw = listenTestGateway(
      testConfig({
        server: { public_url: publicUrl },
        auth: { keycloak: { issuer: `http://127.0.0.1:${await freePort()}/realms/gone`, client_id: 'claude-gateway', client_secret: 's' }, sessions: { signing_key: 'k'.repeat(40) } },
        backends: { b: { base_url: 'http://127.0.0.1:9/v1' } },
        models: { m: { backend: 'b' } },
        tiers: { free: {} },
      }),
      { port },
    )
    try {
      const device = (await (await postForm(`${publicUrl}/oauth/device_authorization`, {})).json()) as { device_code: string; user_code: string }
      const page = await postForm(`${publicUrl}/device`, { user_code: device.user_code, action: 'approve' }, { origin: publicUrl })
      expect(page.status).toBe(503)
      expect(page.headers.get('content-type')).toStartWith('text/html')
      const poll = await postForm(`${publicUrl}/oauth/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code })
      expect(await poll.json()).toMatchObject({ error: 'authorization_pending' })
    } finally {
      await gw.stop()
    }
  })
})
