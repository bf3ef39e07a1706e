// Admissions per second of each quota store, and of the quota service on top of it (which
// adds the quota-day computation). Starts its own redis-server, three-master Redis Cluster, and
// master with a replica under three Sentinels on loopback; the last runs without and with each
// admission confirmed on the replica (WAIT), so the two lines give the price of that confirmation.
// Run: bun bench/quota-store.bench.ts [admissions per case, default 50000]
//
// The Redis cases keep `concurrency` admissions in flight on one client; ioredis pipelines them
// on the connection (auto-pipelining batches each tick into one write), as a busy gateway would.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisCluster } from '../test/helpers/redis-cluster'
import { startRedis } from '../test/helpers/redis-server'
import { startRedisSentinel } from '../test/helpers/redis-sentinel'
import { connectRedis } from '../src/stores/redis/connect-redis'
import { createQuotaService } from '../src/quota/quota-service'
import type { QuotaStore } from '../src/quota/quota-store'
import { quotaWindow } from '../src/quota/quota-window'
import { createRedisQuotaStore } from '../src/stores/redis/redis-quota-store'
import { createSqliteQuotaStore } from '../src/stores/sqlite/sqlite-quota-store'

const total = Number(process.argv[2] ?? 50_000)
const USERS = 1000
const LIMITS = { requests: 1_000_000, tokens: null }

async function run(label: string, concurrency: number, admit: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < total) await admit(next++)
  }
  // Warm up (connections, prepared statements, script cache).
  await Promise.all(Array.from({ length: Math.min(concurrency, 100) }, (_, i) => admit(i)))
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - start) / 1000
  console.log(`${label.padEnd(56)} concurrency ${String(concurrency).padStart(4)}  ${Math.round(total / seconds).toLocaleString('en-US').padStart(9)} admits/s`)
}

async function benchStore(name: string, store: QuotaStore, concurrencies: number[]): Promise<void> {
  for (const c of concurrencies) {
    await run(`${name} store.admit`, c, (i) => store.admit(`user-${i % USERS}`, '2026-11-27', LIMITS, 90_000))
  }
  const service = createQuotaService({ store, timeZone: 'Europe/Paris', onStoreError: 'reject' })
  const c = concurrencies.at(-1) ?? 1
  await run(`${name} service.admit (+ quotaWindow)`, c, (i) => service.admit(`svc-${i % USERS}`, { dailyRequests: 1_000_000 }))
  service.close()
}

console.log(`bun ${Bun.version}, ${total.toLocaleString('en-US')} admissions per case, ${USERS} users\n`)

{
  const n = 200_000
  const start = performance.now()
  for (let i = 0; i < n; i++) quotaWindow(new Date(), 'Europe/Paris')
  console.log(`${'quotaWindow (cached day)'.padEnd(56)} ${''.padStart(16)}  ${Math.round(n / ((performance.now() - start) / 1000)).toLocaleString('en-US').padStart(9)} calls/s`)
}

const dir = mkdtempSync(join(tmpdir(), 'llmgw-bench-'))
const sqlite = createSqliteQuotaStore(dir)
await benchStore('sqlite (file, WAL)', sqlite, [1, 64])
await sqlite.close()
rmSync(dir, { recursive: true, force: true })

const redis = await startRedis()
try {
  const store = createRedisQuotaStore(connectRedis(redis.url))
  await benchStore('redis', store, [1, 16, 128, 512])
  await store.close()
} finally {
  await redis.stop()
}

const cluster = await startRedisCluster()
try {
  const store = createRedisQuotaStore(connectRedis(cluster.url))
  await benchStore('redis cluster (3 masters)', store, [1, 128, 512])
  await store.close()
} finally {
  await cluster.stop()
}

const sentinel = await startRedisSentinel({ replicas: 1 })
try {
  const plain = createRedisQuotaStore(connectRedis(sentinel.url))
  await benchStore('redis via Sentinel', plain, [1, 128])
  await plain.close()
  const confirmed = createRedisQuotaStore(connectRedis(sentinel.url, { commandTimeoutMs: 3_000 }), { waitReplicas: 1, waitTimeoutMs: 500 })
  await benchStore('redis via Sentinel, WAIT for 1 replica', confirmed, [1, 128])
  await confirmed.close()
} finally {
  await sentinel.stop()
}
