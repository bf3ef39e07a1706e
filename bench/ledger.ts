// The usage ledger's cost on the full request path: two gateways from source, identical but for
// `usage.enabled`, behind one fast fake upstream (bench/fake-upstream.ts), measured by wrk in
// paired rounds (the two alternate, and which goes first alternates too), as bench/run.ts measures
// its headline ratio: a single run of a few seconds on a shared 2-core machine drifts by ~10 %.
// Verdict: the median of the per-round ratios (ledger on / off) must be at least 0.95. Each run
// also reads the gateway's CPU time from /proc, so that the CPU cost of a request with and without
// the ledger is reported too: on a machine others share, it moves less than throughput does.
//
// Run: bun bench/ledger.ts   (BENCH_ROUNDS, default 7; BENCH_SECONDS per run, default 4;
// BENCH_REDIS=1 puts both gateways on one redis-server instead of their own SQLite files)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../test/helpers/free-port'
import { startRedis } from '../test/helpers/redis-server'
import { gatewayConfig, waitHttp, wrk } from './harness'

const ROOT = resolve(import.meta.dir, '..')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)
const KEY = 'sk-bench-ledger'
const WORK = join(tmpdir(), `llmgw-bench-ledger-${process.pid}`)
mkdirSync(WORK, { recursive: true })
const children: ReturnType<typeof Bun.spawn>[] = []
const log = (s: string) => process.stderr.write(`[ledger bench] ${s}\n`)

async function start(name: string, cmd: string[]): Promise<number> {
  const child = Bun.spawn(cmd, { cwd: ROOT, stdout: Bun.file(join(WORK, `${name}.log`)), stderr: Bun.file(join(WORK, `${name}.err`)) })
  children.push(child)
  return child.pid
}

/** User + system CPU time of a process, in ms (the gateway re-executes itself in place: same pid). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function gateway(name: string, upstream: string, ledger: boolean, redisUrl?: string): Promise<{ base: string; pid: number }> {
  const port = await freePort()
  const dir = join(WORK, name)
  mkdirSync(dir, { recursive: true })
  const cfg = join(dir, 'gateway.yaml')
  writeFileSync(cfg, `${gatewayConfig({ port, upstream, dataDir: join(dir, 'data'), key: KEY, logLevel: 'info', ...(redisUrl ? { redisUrl } : {}) })}usage: { enabled: ${ledger} }\n`)
  const pid = await start(name, ['bun', join(ROOT, 'src/main.ts'), 'serve', '--config', cfg])
  const base = `http://127.0.0.1:${port}`
  await waitHttp(`${base}/health`, 20_000)
  return { base, pid }
}

const redis = process.env.BENCH_REDIS ? await startRedis() : null
try {
  const upPort = await freePort()
  await start('upstream', ['bun', join(ROOT, 'bench/fake-upstream.ts'), '--port', String(upPort)])
  const upstream = `http://127.0.0.1:${upPort}`
  await waitHttp(`${upstream}/health`, 10_000)
  const on = await gateway('ledger-on', upstream, true, redis?.url)
  const off = await gateway('ledger-off', upstream, false, redis?.url)
  const body = join(WORK, 'body.json')
  writeFileSync(body, JSON.stringify({ model: 'claude-bench', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] }))
  const run = async (g: { base: string; pid: number }) => {
    const before = cpuMs(g.pid)
    const r = await wrk(g.base, '/v1/messages', body, { 'x-api-key': KEY }, 16, SECONDS)
    return { ...r, cpuUsPerRequest: ((cpuMs(g.pid) - before) * 1000) / r.requests }
  }
  // Warm-up of both (JIT, connections, prepared statements).
  await run(on)
  await run(off)
  const rounds: { on: number; off: number; ratio: number; cpu_us_on: number; cpu_us_off: number }[] = []
  for (let i = 0; i < ROUNDS; i++) {
    let onRun
    let offRun
    if (i % 2 === 0) {
      onRun = await run(on)
      offRun = await run(off)
    } else {
      offRun = await run(off)
      onRun = await run(on)
    }
    if (onRun.non2xx || offRun.non2xx) log(`non-2xx answers: on ${onRun.non2xx}, off ${offRun.non2xx}`)
    rounds.push({ on: onRun.rps, off: offRun.rps, ratio: onRun.rps / offRun.rps, cpu_us_on: Math.round(onRun.cpuUsPerRequest), cpu_us_off: Math.round(offRun.cpuUsPerRequest) })
    log(`round ${i + 1}: on ${onRun.rps.toFixed(0)} req/s, off ${offRun.rps.toFixed(0)} req/s, ratio ${(onRun.rps / offRun.rps).toFixed(3)}; CPU per request on ${onRun.cpuUsPerRequest.toFixed(0)} us, off ${offRun.cpuUsPerRequest.toFixed(0)} us`)
  }
  const ratios = rounds.map((r) => r.ratio).sort((x, y) => x - y)
  const median = ratios[Math.floor(ratios.length / 2)]!
  const medianOf = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const cpuOn = medianOf(rounds.map((r) => r.cpu_us_on))
  const cpuOff = medianOf(rounds.map((r) => r.cpu_us_off))
  const cpuRatio = medianOf(rounds.map((r) => r.cpu_us_on / r.cpu_us_off))
  // The ledger did its job meanwhile: the rows of the measured requests are there.
  const report = (await (await fetch(`${on.base}/usage`, { headers: { 'x-api-key': KEY } })).json()) as { rows: { requests: number }[] }
  const counted = report.rows.reduce((n, r) => n + r.requests, 0)
  const result = { store: redis ? 'redis' : 'sqlite', rounds, median, cpu_us_per_request: { on: cpuOn, off: cpuOff, median_ratio: cpuRatio }, verdict: median >= 0.95 ? 'pass' : 'FAIL', rows_counted_so_far: counted }
  console.log(JSON.stringify(result, null, 2))
  log(`median ratio ledger on / off: ${median.toFixed(3)} (${result.verdict}; needs >= 0.95); median CPU per request on ${cpuOn} us, off ${cpuOff} us (median ratio of the rounds ${cpuRatio.toFixed(3)}); ${counted} requests in the ledger`)
} finally {
  for (const c of children) c.kill()
  await Promise.all(children.map((c) => c.exited))
  await redis?.stop()
  rmSync(WORK, { recursive: true, force: true })
}
