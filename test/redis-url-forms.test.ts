// Every Redis URL form check-config accepts is one the compiled binary can serve with: a Valkey
// user's valkey:// URL passes check-config and then counts quota on a real redis-server (it used
// to pass and then crash `serve`), a rediss+sentinel:// URL reaches Sentinels and data nodes that
// speak TLS only (certificates checked against a private CA the operator names), and a URL
// check-config refuses is refused by `serve` the same way, before anything starts, without its
// password. The LLM upstream is the fake one (test/helpers/fake-upstream.ts), Anthropic format.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { json } from './helpers/gateway'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { redisCli, type RunningRedis, startRedis } from './helpers/redis-server'
import { startRedisSentinel } from './helpers/redis-sentinel'

let redis: RunningRedis
let up: FakeUpstream

beforeAll(async () => {
  redis = await startRedis()
  // A password, set once the server answers (the start-up PING has none).
  expect((await redisCli(['-p', String(redis.port), 'config', 'set', 'requirepass', 'valkey-secret'])).trim()).toBe('OK')
  up = startFakeUpstream()
})

afterAll(async () => {
  await up.stop()
  await redis.stop()
})

async function binaryWithConfig(): Promise<{ dir: string; bin: string }> {
  const { dir, bin } = await emptyDirWithBinary()
  writeFileSync(
    join(dir, 'gw.yaml'),
    `auth: { keys: [{ key: sk-valkey, user: val, tier: free }] }
backends: { claude: { format: anthropic, base_url: "${up.url}" } }
models: { "claude-*": { backend: claude } }
tiers: { free: { daily_requests: 2, models: ["*"] } }
`,
  )
  return { dir, bin }
}

const msg = { model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }

/** The statuses of three requests of the user whose limit is 2. */
async function threeRequests(url: string): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${url}/v1/messages`, json(msg, { 'x-api-key': 'sk-valkey' }))
    await response.arrayBuffer()
    statuses.push(response.status)
  }
  return statuses
}

describe('Redis URL forms in the compiled binary', () => {
  it('serves with a valkey:// URL that check-config accepted, counting quota in Redis', async () => {
    const { dir, bin } = await binaryWithConfig()
    const env = { QUOTA_REDIS_URL: `valkey://:valkey-secret@127.0.0.1:${redis.port}/3` }
    const check = await runOnce(bin, ['check-config', '--config', 'gw.yaml'], env, dir)
    expect(check.code).toBe(0)
    const gw = await runBinary(bin, ['--config', 'gw.yaml'], env, dir)
    try {
      expect(await threeRequests(gw.url)).toEqual([200, 200, 429])
      const quota = await fetch(`${gw.url}/quota`, { headers: { 'x-api-key': 'sk-valkey' } })
      expect(((await quota.json()) as { used: number }).used).toBe(2)
      // In the database the URL names, behind its password.
      const counters = await redisCli(['-p', String(redis.port), '-a', 'valkey-secret', '--no-auth-warning', '-n', '3', '--scan', '--pattern', 'llmgw:quota:*:req'])
      expect(counters.trim().split('\n')).toHaveLength(1)
    } finally {
      expect(await gw.stop()).toBe(0)
    }
  }, 120_000)

  it('serves with rediss+sentinel:// over TLS only, trusting the CA in NODE_EXTRA_CA_CERTS, and refuses an untrusted certificate', async () => {
    const sentinel = await startRedisSentinel({ replicas: 1, tls: true })
    try {
      // Certificates are checked: this process does not trust the CA, so it never gets through
      // (ioredis reports the refused handshake as a closed connection).
      const errors: string[] = []
      const untrusting = connectRedis(sentinel.url, { onError: (e) => errors.push(e.message) })
      await Bun.sleep(1_500)
      expect(untrusting.status).not.toBe('ready')
      expect(errors.length).toBeGreaterThan(0)
      untrusting.disconnect()

      const { dir, bin } = await binaryWithConfig()
      const gw = await runBinary(bin, ['--config', 'gw.yaml'], { QUOTA_REDIS_URL: sentinel.url, NODE_EXTRA_CA_CERTS: sentinel.caFile! }, dir)
      try {
        expect(await threeRequests(gw.url)).toEqual([200, 200, 429])
        const counters = await sentinel.cli(await sentinel.masterPort(), '--scan', '--pattern', 'llmgw:quota:*:req')
        expect(counters.trim().split('\n')).toHaveLength(1)
      } finally {
        expect(await gw.stop()).toBe(0)
      }
    } finally {
      await sentinel.stop()
    }
  }, 120_000)

  it('refuses a URL it cannot use in check-config and in serve alike, never printing its password', async () => {
    const { dir, bin } = await binaryWithConfig()
    const env = { QUOTA_REDIS_URL: 'redis+sentinel://:hunter2@127.0.0.1:26379' }
    const check = await runOnce(bin, ['check-config', '--config', 'gw.yaml'], env, dir)
    const serve = await runOnce(bin, ['serve', '--config', 'gw.yaml'], env, dir)
    expect(check.code).toBe(1)
    expect(serve.code).toBe(1)
    for (const run of [check, serve]) {
      expect(run.stderr).toContain('store.redis_url: Redis Sentinel URL names no master')
      expect(run.stdout + run.stderr).not.toContain('hunter2')
    }
  }, 120_000)
})
