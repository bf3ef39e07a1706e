// A Responses API stream translated by the gateway (a Responses client on a Chat Completions
// backend) against the same stream relayed as it came (a backend that serves the Responses API
// itself, `responses: native`), measured as bench/run.ts measures Messages streams: the fast fake
// upstream (bench/fake-upstream.ts) and the gateway on 127.0.0.1, bench/stream-client.ts reading
// whole streams at 16 connections, the two sides alternating for paired rounds (which one goes
// first alternates too), and the verdict on the median of the per-round ratios of streams/s.
// Both upstream streams carry the same text in the same number of deltas. Each round also states
// the gateway process's own CPU time per stream (from /proc), which moves less than throughput when
// other work shares the machine.
// Before the gateway starts, the two stream transforms alone are timed in this process on the same
// streams (µs per stream, median of 5 rounds): what the translation itself costs.
//
// Run: bun bench/responses-stream.ts   (about 1 minute)
// Environment: BENCH_PAIRED_ROUNDS (default 5), BENCH_PAIRED_SECONDS (default 4), BENCH_CHUNKS (text
// deltas per stream, default 20), BENCH_GATEWAY_LOG_LEVEL (default info).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { chatToResponsesChunks } from '../src/protocol/responses/chat-to-responses-stream'
import { responsesPassthroughChunks } from '../src/protocol/passthrough/create-responses-passthrough-stream'
import type { ChunkTransform } from '../src/protocol/chunk-transform'
import { freePort } from '../test/helpers/free-port'
import * as wire from '../test/helpers/llm-wire'
import { gatewayConfig, waitHttp } from './harness'

const ROOT = resolve(import.meta.dir, '..')
const ROUNDS = Number(process.env.BENCH_PAIRED_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_PAIRED_SECONDS ?? 4)
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20)
const LOG_LEVEL = process.env.BENCH_GATEWAY_LOG_LEVEL ?? 'info'
const CONNECTIONS = 16
const KEY = 'sk-bench-responses'
const CLK_TCK = 100
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
  streams: number
  streams_per_s: number
  errors: number
  bytes_per_stream: number
  /** Gateway CPU per stream, µs (added here, not by the stream client). */
  cpu_us_per_stream: number
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

let gatewayPid = 0

async function relay(url: string, bodyFile: string): Promise<Relay> {
  const p = Bun.spawn(['bun', join(ROOT, 'bench/stream-client.ts'), 'relay', url, bodyFile, `authorization: Bearer ${KEY}`, String(SECONDS), String(CONNECTIONS)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '4096' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const cpu0 = cpuSeconds(gatewayPid)
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  const cpu = cpuSeconds(gatewayPid) - cpu0
  let result: Relay
  try {
    result = JSON.parse(out.trim().split('\n').pop()!) as Relay
  } catch {
    throw new Error(`stream client failed: ${out} ${err}`)
  }
  // The warm-up of the stream client counts too: CPU over every stream it read, not only the timed ones.
  result.cpu_us_per_stream = result.streams > 0 ? (cpu * 1e6) / (result.streams + CONNECTIONS) : Number.NaN
  return result
}

/** µs per stream of each transform over one upstream stream of CHUNKS deltas, median of 5 rounds of 4000. */
function transformCost(): { translated: number; passthrough: number } {
  const enc = new TextEncoder()
  const pieces = Array.from({ length: CHUNKS }, (_, i) => `tok${i} `.padEnd(16, 'x'))
  const model = `bench-c${CHUNKS}`
  const chat = enc.encode(wire.openaiStream({ id: 'chatcmpl-bench01', model, text: pieces }, { usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS }, includeUsage: true }).join(''))
  const usage = { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: CHUNKS, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 + CHUNKS }
  const responses = enc.encode(wire.responsesStream({ id: 'resp_bench01', model, text: pieces }, { usage }).join(''))
  const time = (make: () => ChunkTransform, bytes: Uint8Array) => {
    const rounds: number[] = []
    for (let round = 0; round < 6; round++) {
      const t0 = performance.now()
      for (let i = 0; i < 4000; i++) {
        const t = make()
        t.push(bytes)
        t.end()
      }
      // The first round warms the JIT up and is not counted.
      if (round > 0) rounds.push(((performance.now() - t0) * 1000) / 4000)
    }
    return rounds.sort((a, b) => a - b)[2]!
  }
  return {
    translated: time(() => chatToResponsesChunks({ model, echo: null, namespaced: null, inputTokens: 3 }), chat),
    passthrough: time(() => responsesPassthroughChunks({ model }), responses),
  }
}

try {
  const transforms = transformCost()
  log(`stream transforms alone: translated ${transforms.translated.toFixed(1)} µs per stream, passthrough ${transforms.passthrough.toFixed(1)} µs`)
  const upstreamPort = await freePort()
  const upstream = start('fake-upstream', ['bun', join(ROOT, 'bench/fake-upstream.ts'), '--port', String(upstreamPort)])
  await waitHttp(`http://127.0.0.1:${upstreamPort}/health`, 15_000, () => (upstream.exitCode !== null ? 'the fake upstream exited' : null))

  const port = await freePort()
  const config = join(WORK, 'gateway.yaml')
  writeFileSync(config, gatewayConfig({ port, upstream: `http://127.0.0.1:${upstreamPort}`, dataDir: join(WORK, 'data'), key: KEY, logLevel: LOG_LEVEL }))
  const gateway = start('gateway', ['bun', join(ROOT, 'src/main.ts'), 'serve', '--config', config])
  gatewayPid = gateway.pid
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

  const rounds: { translated: Relay; passthrough: Relay; ratio: number; cpuRatio: number }[] = []
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
    // Passthrough CPU over translated CPU: above 1 when translating costs less, like the throughput ratio.
    const cpuRatio = t.cpu_us_per_stream > 0 ? p.cpu_us_per_stream / t.cpu_us_per_stream : 0
    rounds.push({ translated: t, passthrough: p, ratio, cpuRatio })
    log(`round ${i + 1}: translated ${t.streams_per_s.toFixed(0)} streams/s, ${t.cpu_us_per_stream.toFixed(0)} µs CPU each (${t.bytes_per_stream.toFixed(0)} B); passthrough ${p.streams_per_s.toFixed(0)} streams/s, ${p.cpu_us_per_stream.toFixed(0)} µs CPU each (${p.bytes_per_stream.toFixed(0)} B); ratios ${ratio.toFixed(3)} (throughput), ${cpuRatio.toFixed(3)} (CPU)`)
  }
  const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const median = medianOf(rounds.map((r) => r.ratio))
  const cpuMedian = medianOf(rounds.map((r) => r.cpuRatio))
  const verdict = median >= 0.8 ? 'PASS' : 'FAIL'
  console.log(
    JSON.stringify({
      scenario: `Responses streams, ${CHUNKS} text deltas, ${CONNECTIONS} connections, ${ROUNDS} paired rounds of ${SECONDS} s`,
      translated_over_passthrough_median: Number(median.toFixed(3)),
      cpu_passthrough_over_translated_median: Number(cpuMedian.toFixed(3)),
      transform_us_per_stream: { translated: Number(transforms.translated.toFixed(1)), passthrough: Number(transforms.passthrough.toFixed(1)) },
      target: 'translated within 20 % of passthrough (median >= 0.8)',
      verdict,
      rounds: rounds.map((r) => ({
        translated: Math.round(r.translated.streams_per_s),
        passthrough: Math.round(r.passthrough.streams_per_s),
        ratio: Number(r.ratio.toFixed(3)),
        cpu_us: [Math.round(r.translated.cpu_us_per_stream), Math.round(r.passthrough.cpu_us_per_stream)],
      })),
    }),
  )
  process.exitCode = verdict === 'PASS' ? 0 : 1
} finally {
  stopAll()
  rmSync(WORK, { recursive: true, force: true })
}
