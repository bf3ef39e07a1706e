// CPU of the gateway's own JavaScript per request, without the network: the handler `serve`
// gives Bun.serve is called directly with Request objects, and fetch() is replaced by a prebuilt
// upstream answer. What is left is auth, body parsing, routing, quota, headers, metrics and the
// access log (and the construction of the fake Request and Response, the same in every run).
// A/B two trees on the same machine, alternating: it moves by a few µs from run to run.
// Run: bun bench/handler-cpu.ts [REQUESTS, default 100000] [ROOT, default this tree]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gatewayConfig } from './harness'

const N = Number(Bun.argv[2] ?? 100_000)
const root = resolve(Bun.argv[3] ?? join(import.meta.dir, '..'))
const dir = mkdtempSync(join(tmpdir(), 'handler-cpu-'))
const configFile = join(dir, 'gateway.yaml')
// fetch() is replaced below: the upstream address is never dialled.
writeFileSync(configFile, gatewayConfig({ port: 0, upstream: 'http://127.0.0.1:9', dataDir: join(dir, 'data'), key: 'sk-bench-1', logLevel: process.env.LOG_LEVEL ?? 'info' }))

let handler: ((request: Request) => Response | Promise<Response>) | undefined
const realServe = Bun.serve
;(Bun as unknown as { serve: unknown }).serve = (options: Parameters<typeof Bun.serve>[0]) => {
  // The first server is the API's; the gateway starts a second one for /metrics.
  handler ??= (options as { fetch: typeof handler }).fetch
  return realServe(options)
}
const answer = JSON.stringify({ id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Hello! How can I help you today?' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 9 } })
;(globalThis as { fetch: unknown }).fetch = async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(answer)), 'request-id': 'req_upstream_1' } })

const { loadConfig } = await import(join(root, 'src/config/load-config.ts'))
const { startGateway } = await import(join(root, 'src/server/start-gateway.ts'))
const { createLogger } = await import(join(root, 'src/logging/logger.ts'))
const { config, problems } = loadConfig({ file: configFile, env: {} })
if (problems.length > 0) throw new Error(problems.join('; '))
// Access-log lines go to a discarding writer: what is measured is building them.
const gateway = startGateway(config, createLogger(config.log_level, () => {}))

const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
const headers = { 'x-api-key': 'sk-bench-1', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
async function one() {
  const res = await handler!(new Request('http://127.0.0.1/v1/messages', { method: 'POST', headers, body }))
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`)
  await res.text()
}
async function run(n: number) {
  let i = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (i++ < n) await one()
  }))
}
await run(20_000) // JIT warm-up
Bun.gc(true)
const cpu0 = process.cpuUsage()
await run(N)
const cpu = process.cpuUsage(cpu0)
console.log(`${root}: ${((cpu.user + cpu.system) / N).toFixed(2)} µs CPU per request (${N} requests, 16 at a time)`)
await gateway.stop()
rmSync(dir, { recursive: true, force: true })
process.exit(0)
