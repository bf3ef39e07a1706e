// The operator's pages on real data: a store seeded with 10,000 users, each with usage on each of
// the last 30 days (two models each), and 100,000 keys; then the gateway (from source) on that
// store, and the latency of every API call the operator's pages make, each asked 40 times in a row
// after a warm-up. Verdict: every p95 under 200 ms.
//
// Run: bun bench/console.ts   (BENCH_USERS, default 10000; BENCH_KEYS, default 100000;
// BENCH_DAYS, default 30; BENCH_REDIS=1 seeds and serves from a redis-server instead of SQLite)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Database } from 'bun:sqlite'
import { freePort } from '../test/helpers/free-port'
import { startRedis } from '../test/helpers/redis-server'
import { generateGatewayKey } from '../src/auth/generate-gateway-key'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createRedisKeyStore } from '../src/stores/redis/redis-key-store'
import { createRedisUsageStore } from '../src/stores/redis/redis-usage-store'
import { createSqliteKeyStore } from '../src/stores/sqlite/sqlite-key-store'
import { createSqliteUsageStore, openUsageDatabase } from '../src/stores/sqlite/sqlite-usage-store'
import { emptyCounts, type LedgerRow } from '../src/usage/ledger-row'
import { waitHttp } from './harness'

const ROOT = resolve(import.meta.dir, '..')
const USERS = Number(process.env.BENCH_USERS ?? 10_000)
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000)
const DAYS = Number(process.env.BENCH_DAYS ?? 30)
const ASKS = 40
const ADMIN = 'sk-bench-console-admin'
const WORK = join(tmpdir(), `llmgw-bench-console-${process.pid}`)
const log = (s: string) => process.stderr.write(`[console bench] ${s}\n`)
mkdirSync(WORK, { recursive: true })

const today = new Date().toISOString().slice(0, 10)
const dayOf = (back: number) => new Date(Date.parse(`${today}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10)
const MODELS = [
  ['claude-sonnet-4-5', 'claude-3-haiku', 'claude'],
  ['gpt-4o', 'qwen3-32b', 'internal'],
] as const

/** The ledger rows of one day: every user, two models each. */
function rowsOf(day: string): LedgerRow[] {
  const rows: LedgerRow[] = []
  for (let u = 0; u < USERS; u++) {
    for (const [requested, model, backend] of MODELS) {
      const requests = 1 + ((u * 7 + day.charCodeAt(9)) % 20)
      rows.push({ day, user: `user-${u}`, tier: u % 10 === 0 ? 'enterprise' : u % 3 === 0 ? 'pro' : 'free', requested_model: requested, model, backend, ...emptyCounts(), requests, errors: requests % 7 === 0 ? 1 : 0, input_tokens: requests * 900, output_tokens: requests * 150, latency_ms: requests * 800 })
    }
  }
  return rows
}

async function seedSqlite(dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true })
  const usage = createSqliteUsageStore(openUsageDatabase(dataDir))
  for (let d = 0; d < DAYS; d++) await usage.add(rowsOf(dayOf(d)))
  await usage.close()
  // Keys straight into the table (hashing 100,000 keys through create() one by one takes the same
  // rows, only slower): the same columns create() writes.
  createSqliteKeyStore({ dataDir }).close()
  const db = new Database(join(dataDir, 'keys.db'))
  const insert = db.query('INSERT INTO gateway_keys (id, key_hash, user, tier, name, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  db.transaction(() => {
    for (let k = 0; k < KEYS; k++) {
      const { id, hash } = generateGatewayKey()
      insert.run(id, hash, `user-${k % USERS}`, 'free', `key ${k}`, new Date(Date.now() - (KEYS - k) * 1000).toISOString())
    }
  })()
  db.close()
}

async function seedRedis(url: string): Promise<void> {
  const client = connectRedis(url, { commandTimeoutMs: 60_000 })
  const usage = createRedisUsageStore(client, { retentionDays: 90 })
  for (let d = 0; d < DAYS; d++) {
    const rows = rowsOf(dayOf(d))
    for (let i = 0; i < rows.length; i += 2000) await usage.add(rows.slice(i, i + 2000))
  }
  const keys = createRedisKeyStore({ client })
  for (let k = 0; k < KEYS; k += 500) await Promise.all(Array.from({ length: Math.min(500, KEYS - k) }, (_, j) => keys.create({ user: `user-${(k + j) % USERS}`, tier: 'free', name: `key ${k + j}` })))
  client.disconnect()
}

const redis = process.env.BENCH_REDIS ? await startRedis() : null
let gateway: ReturnType<typeof Bun.spawn> | null = null
try {
  const dataDir = join(WORK, 'data')
  const seedStart = performance.now()
  if (redis) await seedRedis(redis.url)
  else await seedSqlite(dataDir)
  log(`seeded ${USERS} users x ${DAYS} days x ${MODELS.length} models of usage and ${KEYS} keys in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (${redis ? 'redis' : 'sqlite'})`)

  const port = await freePort()
  const cfg = join(WORK, 'gateway.yaml')
  writeFileSync(
    cfg,
    `server: { host: 127.0.0.1, port: ${port} }\nstore: { data_dir: ${JSON.stringify(dataDir)}${redis ? `, redis_url: ${JSON.stringify(redis.url)}` : ''} }\nauth: { admin_key: ${ADMIN} }\nlog_level: warn\n`,
  )
  gateway = Bun.spawn(['bun', join(ROOT, 'src/main.ts'), 'serve', '--config', cfg], { cwd: ROOT, stdout: 'ignore', stderr: Bun.file(join(WORK, 'gateway.err')) })
  const base = `http://127.0.0.1:${port}`
  await waitHttp(`${base}/health`, 20_000)

  const pages: [string, string][] = [
    ['today: by tier and top users', '/admin/overview'],
    ['usage by day, model, backend (7 days)', `/admin/usage?from=${dayOf(6)}&to=${today}&group_by=day,model,backend`],
    ['usage by day, model, backend (30 days)', `/admin/usage?from=${dayOf(29)}&to=${today}&group_by=day,model,backend`],
    ['usage CSV by model (30 days)', `/admin/usage?from=${dayOf(29)}&to=${today}&group_by=model&format=csv`],
    ["a user's page: tier and quota", '/admin/users/user-4242'],
    ["a user's history (30 days)", `/admin/usage?user=user-4242&from=${dayOf(29)}&to=${today}&group_by=day,model`],
    ["a user's keys", '/admin/keys?user=user-4242&limit=100'],
    ['all keys, first page', '/admin/keys?limit=100'],
    ['all keys, a page 50,000 keys in', '/admin/keys?limit=100&cursor=50000'],
    ['users of today (group_by=user)', `/admin/usage?group_by=user`],
    ['backends', '/admin/backends'],
    ['routing', '/admin/routing'],
    ['audit log', '/admin/audit'],
  ]
  const results: { page: string; path: string; p50_ms: number; p95_ms: number; max_ms: number; bytes: number }[] = []
  for (const [page, path] of pages) {
    const ask = async () => {
      const started = performance.now()
      const response = await fetch(`${base}${path}`, { headers: { 'x-api-key': ADMIN } })
      const body = await response.arrayBuffer()
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 200)}`)
      return { ms: performance.now() - started, bytes: body.byteLength }
    }
    await ask()
    const times: number[] = []
    let bytes = 0
    for (let i = 0; i < ASKS; i++) {
      const r = await ask()
      times.push(r.ms)
      bytes = r.bytes
    }
    times.sort((a, b) => a - b)
    const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 10) / 10
    results.push({ page, path, p50_ms: at(0.5), p95_ms: at(0.95), max_ms: at(1), bytes })
    log(`${page.padEnd(42)} p50 ${String(at(0.5)).padStart(6)} ms  p95 ${String(at(0.95)).padStart(6)} ms  ${bytes} bytes`)
  }
  const worst = Math.max(...results.map((r) => r.p95_ms))
  console.log(JSON.stringify({ store: redis ? 'redis' : 'sqlite', users: USERS, keys: KEYS, days: DAYS, results, worst_p95_ms: worst, verdict: worst < 200 ? 'pass' : 'FAIL' }, null, 2))
} finally {
  gateway?.kill()
  await gateway?.exited
  await redis?.stop()
  rmSync(WORK, { recursive: true, force: true })
}
