// Gateway keys end to end with the compiled binary: created by the CLI and by the admin API,
// usable on a second gateway process sharing a real Redis, refused there within seconds of being
// revoked, and never stored or logged in plain text.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { freePort } from './helpers/free-port'
import { json } from './helpers/gateway'
import { type RunningRedis, startRedis } from './helpers/redis-server'

const ADMIN = 'admin-key-for-tests-4471'
let up: FakeUpstream
let redis: RunningRedis
let dir: string
let bin: string
let one: RunningBinary
let two: RunningBinary
let env: Record<string, string>

beforeAll(async () => {
  up = startFakeUpstream()
  redis = await startRedis()
  ;({ dir, bin } = await emptyDirWithBinary())
  env = { QUOTA_REDIS_URL: redis.url, GATEWAY_ADMIN_KEY: ADMIN, CLAUDE_API_URL: up.url, CLAUDE_API_KEY: 'upstream-key' }
  ;[one, two] = await Promise.all([runBinary(bin, [], env, dir), runBinary(bin, [], env, dir)])
}, 60_000)
afterAll(async () => {
  await Promise.all([one.stop(), two.stop()])
  await redis.stop()
  await up.stop()
})

const ask = (gw: RunningBinary, key: string) =>
  fetch(`${gw.url}/v1/messages`, json({ model: 'claude-3-haiku', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': key })).then(async (r) => {
    await r.arrayBuffer()
    return r.status
  })

async function redisDump(): Promise<string> {
  const p = Bun.spawn(['sh', '-c', `for k in $(redis-cli -p ${redis.port} --scan); do echo "$k"; redis-cli -p ${redis.port} --no-raw dump "$k"; redis-cli -p ${redis.port} hgetall "$k" 2>/dev/null; done`], { stdout: 'pipe' })
  return await new Response(p.stdout).text()
}

describe('gateway keys across two gateway processes sharing Redis (fake upstream)', () => {
  it('a key made by the admin API on one works on the other, and revocation reaches it within seconds', async () => {
    const denied = await fetch(`${one.url}/admin/keys`, json({ user: 'mallory', tier: 'enterprise' }, { 'x-api-key': 'not-the-admin-key' }))
    expect(denied.status).toBe(401)
    const res = await fetch(`${one.url}/admin/keys`, json({ user: 'ada', tier: 'pro', name: 'laptop' }, { 'x-api-key': ADMIN }))
    expect(res.status).toBe(201)
    const created = (await res.json()) as { id: string; key: string }
    expect(created.key).toMatch(/^sk-gw-/)
    expect(await ask(two, created.key)).toBe(200)

    const listed = (await (await fetch(`${two.url}/admin/keys`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { id: string }[] }
    expect(listed.data.map((k) => k.id)).toContain(created.id)
    expect(JSON.stringify(listed)).not.toContain(created.key)

    const revoked = await fetch(`${one.url}/admin/keys/${created.id}`, { method: 'DELETE', headers: { 'x-api-key': ADMIN } })
    expect(revoked.status).toBe(200)
    const started = Date.now()
    let status = 200
    while (status === 200 && Date.now() - started < 15_000) {
      status = await ask(two, created.key)
      if (status === 200) await Bun.sleep(200)
    }
    expect(status).toBe(401)
    expect(await ask(one, created.key)).toBe(401)

    expect(await redisDump()).not.toContain(created.key)
    expect(one.output() + two.output()).not.toContain(created.key)
  })

  it('the CLI prints a new key alone on stdout, lists and revokes it, in the same store', async () => {
    const made = await runOnce(bin, ['keys', 'create', '--user', 'cli-user', '--tier', 'pro'], env, dir)
    expect(made.code).toBe(0)
    const key = made.stdout.trim()
    expect(key).toMatch(/^sk-gw-[A-Za-z0-9_-]{40,}$/)
    expect(await ask(one, key)).toBe(200)

    const asJson = await runOnce(bin, ['keys', 'create', '--user', 'cli-user', '--tier', 'free', '--json'], env, dir)
    const parsed = JSON.parse(asJson.stdout) as { id: string; key: string; tier: string }
    expect(parsed.tier).toBe('free')

    const list = await runOnce(bin, ['keys', 'list', '--json'], env, dir)
    expect(list.stdout).toContain(parsed.id)
    expect(list.stdout).not.toContain(parsed.key)
    expect((await runOnce(bin, ['keys', 'revoke', parsed.id], env, dir)).code).toBe(0)

    const unknownTier = await runOnce(bin, ['keys', 'create', '--user', 'x', '--tier', 'platinum'], env, dir)
    expect(unknownTier.code).not.toBe(0)
    expect(unknownTier.stderr).toContain('unknown tier')
    expect(await redisDump()).not.toContain(key)

    // A Redis that does not answer: a clear error and a failing exit code, not a hang or a stack trace.
    const nowhere = await runOnce(bin, ['keys', 'list'], { ...env, QUOTA_REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, dir)
    expect(nowhere.code).toBe(1)
    expect(nowhere.stderr).toContain('the Redis store did not answer (is QUOTA_REDIS_URL right?)')
    expect(nowhere.stderr).not.toContain('    at ')
  }, 60_000)

  it('keys live in the embedded store by default, hashed, and the CLI works beside a running gateway', async () => {
    const local = { GATEWAY_DATA_DIR: join(dir, 'data') }
    const made = await runOnce(bin, ['keys', 'create', '--user', 'solo', '--tier', 'pro'], local, dir)
    expect(made.code).toBe(0)
    const key = made.stdout.trim()
    const bytes = await Bun.file(join(dir, 'data', 'keys.db')).text()
    expect(bytes.length).toBeGreaterThan(0)
    expect(bytes).not.toContain(key)
    const gw = await runBinary(bin, [], { ...local, CLAUDE_API_URL: up.url, CLAUDE_API_KEY: 'k' }, dir)
    try {
      expect(await ask(gw, key)).toBe(200)
      // Beside the running gateway, which holds the quota file with an exclusive lock.
      const second = await runOnce(bin, ['keys', 'create', '--user', 'solo', '--tier', 'pro'], local, dir)
      expect(second.code).toBe(0)
      expect(await ask(gw, second.stdout.trim())).toBe(200)
    } finally {
      await gw.stop()
    }
  })
})
