// A Responses API stream translated by the gateway (a Responses client on a Chat Completions
// backend) against the same stream relayed as it came (a backend that serves the Responses API
// itself, `responses: native`), measured as bench/run.ts measures Messages streams: the fast fake
// upstream (bench/fake-upstream.ts) and the gateway on 127.0.0.1, bench/stream-client.ts reading
// whole streams at 16 connections, the two sides alternating for paired rounds (which one goes
// first alternates too), and the verdict on the median of the per-round ratios of streams/s.
// Both upstream streams carry the same text in the same number of deltas.
//
// Run: bun bench/responses-stream.ts   (about 1 minute)
// Environment: BENCH_PAIRED_ROUNDS (default 5), BENCH_PAIRED_SECONDS (default 4), BENCH_CHUNKS (text
// deltas per stream, default 20), BENCH_GATEWAY_LOG_LEVEL (default info).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { freePort } from '../test/helpers/free-port'
import { gatewayConfig, waitHttp } from './harness'

const ROOT = resolve(import.meta.dir, '..')
const ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_PAIRED_SECONDS ?? 4)
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20)
const LOG_LEVEL = process.env.BENCH_GATEWAY_LOG_LEVEL ?? 'info'
const CONNECTIONS = 16
const KEY = 'sk-bench-responses'
const WORK = join(tmpdir(), `llmgw-bench-responses-${process.pid}`)
mkdirSync(WORK, { recursive: true })

const log = (s: string) => process.stderr.write(`[responses-stream ${new Date().toISOString().slice(11, 19)}] ${s}\n`)
const procs: Subprocess[] = []
function start(name: string, cmd: string[]): Subprocess {
  const out = Bun.file(join(WORK, `${name}.log`))
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: out, stderr: out, stdin: 'ignore' })
  procs.push(proc)
  return proc
}
function stopAll() {
  for (const p of procs.splice(0)) p.kill('SIGKILL')
}
process.on('exit', stopAll)

interface Relay {
  streams_per_s: number
  errors: number
  bytes_per_stream: number
  ttfb_p50_us: number
}

async function relay(url: string, bodyFile: string): Promise<Relay> {
  const p = Bun.spawn(['bun', join(ROOT, 'bench/stream-client.ts'), 'relay', url, bodyFile, `authorization: Bearer ${KEY}`, String(SECONDS), String(CONNECTIONS)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '4096' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  try {
    return JSON.parse(out.trim().split('\n').pop()!) as Relay
  } catch {
    throw new Error(`stream client failed: ${out} ${err}`)
  }
}

try {
  const upstreamPort = await freePort()
  const upstream = start('fake-upstream', ['bun', join(ROOT, 'bench/fake-upstream.ts'), '--port', String(upstreamPort)])
  await waitHttp(`http://127.0.0.1:${upstreamPort}/health`, 15_000, () => (upstream.exitCode !== null ? 'the fake upstream exited' : null))

  const port = await freePort()
  const config = join(WORK, 'gateway.yaml')
  writeFileSync(config, gatewayConfig({ port, upstream: `http://127.0.0.1:${upstreamPort}`, dataDir: join(WORK, 'data'), key: KEY, logLevel: LOG_LEVEL }))
  const gateway = start('gateway', ['bun', join(ROOT, 'src/main.ts'), 'serve', '--config', config])
  const base = `http://127.0.0.1:${port}`
  await waitHttp(`${base}/health`, 30_000, () => (gateway.exitCode !== null ? `the gateway exited (log: ${join(WORK, 'gateway.log')})` : null))

  const translated = join(WORK, 'translated.json')
  const passthrough = join(WORK, 'passthrough.json')
  // The same request on both sides: only the model differs, which picks the backend.
  const request = (model: string) => JSON.stringify({ model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello.' }] }], stream: true, store: false })
  writeFileSync(translated, request(`xlate-c${CHUNKS}-d0`))
  writeFileSync(passthrough, request(`native-c${CHUNKS}-d0`))
  const url = `${base}/v1/responses`

  // Both paths once before measuring: the JIT, the upstream connections, a check that both answer.
  for (const file of [translated, passthrough]) {
    const warm = await relay(url, file)
    if (warm.errors > 0 || warm.streams_per_s <= 0) throw new Error(`warm-up of ${file} failed: ${JSON.stringify(warm)}`)
  }

  const rounds: { translated: Relay; passthrough: Relay; ratio: number }[] = []
  for (let i = 0; i < ROUNDS; i++) {
    let t: Relay
    let p: Relay
    if (i % 2 === 0) {
      p = await relay(url, passthrough)
      t = await relay(url, translated)
    } else {
      t = await relay(url, translated)
      p = await relay(url, passthrough)
    }
    // A failed run (no figure, or errors) counts as a ratio of 0, never as a pass.
    const ratio = p.streams_per_s > 0 && t.errors === 0 && p.errors === 0 ? t.streams_per_s / p.streams_per_s : 0
    rounds.push({ translated: t, passthrough: p, ratio })
    log(`round ${i + 1}: translated ${t.streams_per_s.toFixed(0)} streams/s (${t.bytes_per_stream.toFixed(0)} B each), passthrough ${p.streams_per_s.toFixed(0)} streams/s (${p.bytes_per_stream.toFixed(0)} B each), ratio ${ratio.toFixed(3)}`)
  }
  const median = rounds.map((r) => r.ratio).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!
  const verdict = median >= 0.8 ? 'PASS' : 'FAIL'
  console.log(
    JSON.stringify({
      scenario: `Responses streams, ${CHUNKS} text deltas, ${CONNECTIONS} connections, ${ROUNDS} paired rounds of ${SECONDS} s`,
      translated_over_passthrough_median: Number(median.toFixed(3)),
      target: 'translated within 20 % of passthrough (median >= 0.8)',
      verdict,
      rounds: rounds.map((r) => ({ translated: Math.round(r.translated.streams_per_s), passthrough: Math.round(r.passthrough.streams_per_s), ratio: Number(r.ratio.toFixed(3)) })),
    }),
  )
  process.exitCode = verdict === 'PASS' ? 0 : 1
} finally {
  stopAll()
  rmSync(WORK, { recursive: true, force: true })
}
