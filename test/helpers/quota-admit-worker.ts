// A separate process standing in for one gateway replica: it opens its own quota store, waits
// for a shared start instant (so that the replicas fire together), sends `count` simultaneous
// admissions for one user and prints {"allowed":N,"refused":M} on stdout.
// Usage: bun test/helpers/quota-admit-worker.ts '<json WorkerTask>'
import { connectRedis } from '../../src/stores/redis/connect-redis'
import type { QuotaStore } from '../../src/quota/quota-store'
import { createRedisQuotaStore } from '../../src/stores/redis/redis-quota-store'
import { createSqliteQuotaStore } from '../../src/stores/sqlite/sqlite-quota-store'

export interface WorkerTask {
  store: 'redis' | 'sqlite'
  /** A Redis URL or the SQLite data directory. */
  target: string
  user: string
  day: string
  count: number
  limit: number
  /** Epoch milliseconds at which to fire. */
  startAt: number
}

export async function runQuotaAdmitWorkers(tasks: WorkerTask[]): Promise<Array<{ allowed: number; refused: number }>> {
  const procs = tasks.map((task) =>
    Bun.spawn(['bun', import.meta.path, JSON.stringify(task)], { stdout: 'pipe', stderr: 'pipe' }),
  )
  const timer = setTimeout(() => procs.forEach((p) => p.kill('SIGKILL')), 20_000)
  try {
    return await Promise.all(
      procs.map(async (p) => {
        const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
        if ((await p.exited) !== 0) throw new Error(`quota worker failed: ${err.slice(-500)}`)
        return JSON.parse(out) as { allowed: number; refused: number }
      }),
    )
  } finally {
    clearTimeout(timer)
  }
}

if (import.meta.main) {
  const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask
  const store: QuotaStore =
    task.store === 'redis' ? createRedisQuotaStore(connectRedis(task.target)) : createSqliteQuotaStore(task.target)
  await store.ping()
  await Bun.sleep(Math.max(0, task.startAt - Date.now()))
  const results = await Promise.all(
    Array.from({ length: task.count }, () => store.admit(task.user, task.day, { requests: task.limit, tokens: null }, 3600)),
  )
  const allowed = results.filter((r) => r.allowed).length
  await store.close()
  process.stdout.write(JSON.stringify({ allowed, refused: results.length - allowed }))
}
