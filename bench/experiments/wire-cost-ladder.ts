// Experiment (bench/PROFILE.md, "Fifth pass"): what the work the gateway must do on the wire costs
// Bun, rung by rung, before any of the gateway's own logic. Each rung is a Bun.serve proxy to the
// fake upstream that adds one thing to the rung below it; the last row is the gateway itself
// (key auth, request and token quota on SQLite, routing, metrics, access log at info). For each,
// the CPU of its JavaScript thread and of fetch()'s HTTP thread per request (from
// /proc/PID/task/TID/stat) and its throughput at 16 connections, the targets alternating round
// by round, medians of the rounds.
//
// Run: bun bench/experiments/wire-cost-ladder.ts [ROUNDS, default 5] [SECONDS, default 3]
// Needs `wrk` on PATH. Not part of bench/run.sh: an explanation of the headline figure, not a target.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../test/helpers/free-port'
import { gatewayConfig, waitHttp, wrk } from '../harness'

/** One rung: the minimal proxy (0) plus everything of the rungs up to `rung`. */
function serveRung(rung: number, port: number, upstream: string) {
  const rateNames = ['requests', 'tokens'].flatMap((u) => [`x-ratelimit-limit-${u}`, `x-ratelimit-remaining-${u}`, `x-ratelimit-reset-${u}`, `anthropic-ratelimit-${u}-limit`, `anthropic-ratelimit-${u}-remaining`, `anthropic-ratelimit-${u}-reset`])
  let count = 0
  Bun.serve({
    hostname: '127.0.0.1',
    port,
    async fetch(req) {
      let id = 'req_0'
      // 1: the request's headers read (request id, credential, content type and length)
      if (rung >= 1) {
        const h = req.headers
        id = h.get('x-request-id') ?? `req_${crypto.randomUUID().replaceAll('-', '')}`
        h.get('x-api-key')
        h.get('content-type')
        h.get('content-length')
      }
      const body = (await req.json()) as Record<string, unknown>
      body.model = String(body.model)
      const path = new URL(req.url).pathname
      // 2: the upstream call tied to the client (its disconnect aborts it) and to a first-byte deadline
      let signal: AbortSignal | undefined
      let deadline: ReturnType<typeof setTimeout> | undefined
      if (rung >= 2) {
        const controller = new AbortController()
        req.signal.addEventListener('abort', () => controller.abort(), { once: true })
        signal = controller.signal
        deadline = setTimeout(() => controller.abort(), 600_000)
      }
      // 3: the gateway's upstream headers: its own credential, the request id, the client's anthropic-* headers
      const headers: Record<string, string> =
        rung >= 3
          ? { 'content-type': 'application/json', 'user-agent': 'llm-gateway', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-upstream', accept: 'application/json', 'x-request-id': id }
          : { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }
      if (rung >= 3) for (const [name, value] of req.headers) if (name.startsWith('anthropic-')) headers[name] = value
      const options = { method: 'POST', headers, body: JSON.stringify(body), signal, ...(rung >= 2 ? { timeout: 600_000, decompress: true, redirect: 'manual' } : {}) }
      const res = await fetch(upstream + path, options as RequestInit)
      clearTimeout(deadline)
      if (rung < 4) return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } })
      // 4: the answer read whole and parsed (usage, model), sent with the id and routed-model headers
      const text = await res.text()
      JSON.parse(text)
      const out: Record<string, string> = { 'content-type': 'application/json', 'x-gateway-routed-model': String(body.model), 'request-id': id, 'x-request-id': id }
      // 5: the rate-limit headers of a tier with a request and a token limit, and the upstream's request id
      if (rung >= 5) {
        count++
        for (const name of rateNames) out[name] = String(count)
        out['x-upstream-request-id'] = res.headers.get('request-id') ?? 'none'
      }
      return new Response(text, { status: res.status, headers: out })
    },
  })
}

const RUNGS = [
  'minimal proxy: parse, rewrite model, fetch, relay',
  '+ read the request headers (id, credential, content type and length)',
  '+ client-abort listener, AbortController, first-byte timer, fetch options',
  '+ 6 upstream headers and the client\'s anthropic-* ones',
  '+ answer read and parsed, 4 answer headers',
  '+ 12 rate-limit headers and x-upstream-request-id (17 answer headers)',
]

function threadTicks(pid: number): { js: number; http: number } {
  const ticks = (file: string) => {
    const f = readFileSync(file, 'utf8').split(') ')[1]!.split(' ')
    return Number(f[11]) + Number(f[12])
  }
  let http = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'HTTP Client') http += ticks(`/proc/${pid}/task/${tid}/stat`)
  }
  return { js: ticks(`/proc/${pid}/task/${pid}/stat`), http }
}

async function main() {
  const rounds = Number(Bun.argv[2] ?? 5)
  const seconds = Number(Bun.argv[3] ?? 3)
  const bench = join(import.meta.dir, '..')
  const dir = mkdtempSync(join(tmpdir(), 'wire-ladder-'))
  const body = join(dir, 'small.json')
  writeFileSync(body, JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }))
  const procs: ReturnType<typeof Bun.spawn>[] = []
  const spawn = (cmd: string[], env: Record<string, string> = {}) => {
    const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'ignore' })
    procs.push(p)
    return p
  }
  try {
    const upPort = await freePort()
    spawn(['bun', join(bench, 'fake-upstream.ts'), '--port', String(upPort)])
    await waitHttp(`http://127.0.0.1:${upPort}/health`, 10_000)
    const upstream = `http://127.0.0.1:${upPort}`
    const targets: { name: string; port: number; pid: number }[] = []
    for (let rung = 0; rung < RUNGS.length; rung++) {
      const port = await freePort()
      const p = spawn(['bun', import.meta.path], { LADDER_RUNG: String(rung), LADDER_PORT: String(port), LADDER_UPSTREAM: upstream })
      targets.push({ name: RUNGS[rung]!, port, pid: p.pid })
    }
    const config = join(dir, 'gateway.yaml')
    const gwPort = await freePort()
    writeFileSync(config, gatewayConfig({ port: gwPort, upstream, dataDir: join(dir, 'data'), key: 'sk-bench-1', logLevel: 'info' }))
    const gw = Bun.spawn(['bun', join(bench, '..', 'src/main.ts'), 'serve', '--config', config], { env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '65535', METRICS_PORT: String(await freePort()) }, stdout: Bun.file(join(dir, 'gateway.log')), stderr: 'ignore' })
    procs.push(gw)
    targets.push({ name: 'the gateway (auth, quota, routing, metrics, access log)', port: gwPort, pid: gw.pid })
    for (const t of targets) await waitHttp(`http://127.0.0.1:${t.port}/`, 20_000)

    const load = (port: number, seconds: number) => wrk(`http://127.0.0.1:${port}`, '/v1/messages', body, { 'x-api-key': 'sk-bench-1' }, 16, seconds)
    for (const t of targets) await load(t.port, 1) // warm-up
    const results = targets.map(() => [] as { js: number; http: number; rps: number }[])
    const tick = 1_000_000 / 100 // µs per clock tick (CLK_TCK 100)
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i]!
        const a = threadTicks(t.pid)
        const w = await load(t.port, seconds)
        const b = threadTicks(t.pid)
        if (!(w.requests > 0) || w.non2xx !== 0) throw new Error(`${t.name}: ${w.requests} requests, ${w.non2xx} not 2xx: ${w.output}`)
        results[i]!.push({ js: ((b.js - a.js) * tick) / w.requests, http: ((b.http - a.http) * tick) / w.requests, rps: w.rps })
      }
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    console.log(`| rung | JS thread µs/req | HTTP thread µs/req | req/s (median of ${rounds} x ${seconds} s) |`)
    console.log('|---|---|---|---|')
    targets.forEach((t, i) => {
      const rs = results[i]!
      console.log(`| ${t.name} | ${median(rs.map((x) => x.js)).toFixed(1)} | ${median(rs.map((x) => x.http)).toFixed(1)} | ${median(rs.map((x) => x.rps)).toFixed(0)} |`)
    })
  } finally {
    for (const p of procs) p.kill()
    await Promise.all(procs.map((p) => p.exited))
    rmSync(dir, { recursive: true, force: true })
  }
}

const RUNG = process.env.LADDER_RUNG
if (RUNG !== undefined) serveRung(Number(RUNG), Number(process.env.LADDER_PORT), process.env.LADDER_UPSTREAM!)
else await main()
