// The ledger's CPU cost per request without the network, where a shared machine's noise matters
// least: two gateways in this one process, identical but for `usage.enabled`, each served the
// same Anthropic request through the handler `serve` gives Bun.serve (fetch() is replaced by a
// prebuilt upstream answer, as bench/handler-cpu.ts does), in alternating batches. Reports the
// median CPU per request of each and the median of the per-batch ratios; the full path's own CPU
// per request (bench/ledger.ts prints it) is what the difference is to be weighed against.
// Run: bun bench/ledger-cpu.ts [BATCHES, default 15] [REQUESTS per batch, default 20000]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatewayConfig } from './harness'

const BATCHES = Number(Bun.argv[2] ?? 15)
const N = Number(Bun.argv[3] ?? 20_000)
const dir = mkdtempSync(join(tmpdir(), 'ledger-cpu-'))

const handlers: ((request: Request) => Response | Promise<Response>)[] = []
const realServe = Bun.serve
;(Bun as unknown as { serve: unknown }).serve = (options: Parameters<typeof Bun.serve>[0]) => {
  handlers.push((options as { fetch: (r: Request) => Response | Promise<Response> }).fetch)
  return realServe(options)
}
const answer = JSON.stringify({ id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Hello! How can I help you today?' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 9 } })
;(globalThis as { fetch: unknown }).fetch = async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_upstream_1' } })

const { loadConfig } = await import('../src/config/load-config')
const { startGateway } = await import('../src/server/start-gateway')
const { createLogger } = await import('../src/logging/logger')
const gateways = [true, false].map((ledger) => {
  const file = join(dir, `gateway-${ledger}.yaml`)
  // fetch() is replaced above: the upstream address is never dialled.
  writeFileSync(file, `${gatewayConfig({ port: 0, upstream: 'http://127.0.0.1:9', dataDir: join(dir, `data-${ledger}`), key: 'sk-bench-1', logLevel: 'info' })}usage: { enabled: ${ledger} }\n`)
  const { config, problems } = loadConfig({ file, env: {} })
  if (problems.length > 0) throw new Error(problems.join('; '))
  return startGateway(config, createLogger(config.log_level, () => {}))
})
const [on, off] = handlers as [(r: Request) => Promise<Response>, (r: Request) => Promise<Response>]

const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
const headers = { 'x-api-key': 'sk-bench-1', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
async function batch(handler: (r: Request) => Promise<Response>, n: number): Promise<number> {
  let i = 0
  const cpu0 = process.cpuUsage()
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (i++ < n) {
        const res = await handler(new Request('http://127.0.0.1/v1/messages', { method: 'POST', headers, body }))
        if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`)
        await res.text()
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / n
}

await batch(on, 20_000) // JIT warm-up of both
await batch(off, 20_000)
const rounds: { on: number; off: number; ratio: number }[] = []
for (let b = 0; b < BATCHES; b++) {
  Bun.gc(true)
  // Which of the two goes first alternates.
  let r: { on: number; off: number }
  if (b % 2 === 0) {
    const onUs = await batch(on, N)
    r = { on: onUs, off: await batch(off, N) }
  } else {
    const offUs = await batch(off, N)
    r = { off: offUs, on: await batch(on, N) }
  }
  rounds.push({ ...r, ratio: r.on / r.off })
  process.stderr.write(`[ledger cpu] batch ${b + 1}: on ${r.on.toFixed(1)} us, off ${r.off.toFixed(1)} us per request, ratio ${(r.on / r.off).toFixed(3)}\n`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const result = { batches: BATCHES, requests_per_batch: N, on_us: median(rounds.map((r) => r.on)), off_us: median(rounds.map((r) => r.off)), median_ratio: median(rounds.map((r) => r.ratio)) }
console.log(JSON.stringify({ ...result, added_us: Math.round((result.on_us - result.off_us) * 100) / 100 }))
await Promise.all(gateways.map((g) => g.stop()))
rmSync(dir, { recursive: true, force: true })
process.exit(0)
