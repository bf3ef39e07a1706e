// What the bench scripts share: the gateway's bench configuration, waiting for a server to answer,
// and one wrk run. Used by bench/run.ts, bench/responses-stream.ts, bench/handler-cpu.ts and
// bench/experiments/wire-cost-ladder.ts.
import { join } from 'node:path'

const BENCH = import.meta.dir

/**
 * The gateway as the bench measures it: one static key, a tier with a daily request and token
 * limit, an Anthropic and an OpenAI backend on `upstream` (the fake), and an OpenAI one that serves
 * the Responses API itself (`native-*` models), the given log level.
 */
export function gatewayConfig(o: { port: number; upstream: string; dataDir: string; key: string; logLevel: string; redisUrl?: string }): string {
  return `# written by the bench (bench/harness.ts)
server: { host: 127.0.0.1, port: ${o.port}, drain_timeout_s: 1 }
store: { data_dir: ${JSON.stringify(o.dataDir)}${o.redisUrl ? `, redis_url: ${JSON.stringify(o.redisUrl)}` : ''} }
auth:
  providers: [keys]
  keys:
    - { key: ${o.key}, user: bench-user, tier: bench }
backends:
  fake_anthropic: { format: anthropic, base_url: "${o.upstream}" }
  fake_openai: { format: openai, base_url: "${o.upstream}/v1" }
  fake_responses: { format: openai, base_url: "${o.upstream}/v1", responses: native }
models:
  "claude-*": { backend: fake_anthropic }
  "bench-*": { backend: fake_anthropic }
  "xlate-*": { backend: fake_openai }
  "gpt-*": { backend: fake_openai }
  "native-*": { backend: fake_responses }
tiers:
  bench:
    daily_requests: 1000000000
    daily_tokens: 1000000000000
    models: ["*"]
quota: { timezone: UTC, on_store_error: reject }
log_level: ${o.logLevel}
`
}

/** Resolves once `url` answers at all (any status); `exited` says why a process is gone instead. */
export async function waitHttp(url: string, timeoutMs: number, exited?: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const gone = exited?.()
    if (gone) throw new Error(gone)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {}
    await Bun.sleep(100)
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

export interface WrkResult {
  rps: number
  p50Us: number
  p99Us: number
  requests: number
  /** Answers that were not 2xx (bench/wrk/post.lua counts them); NaN when wrk printed no summary. */
  non2xx: number
  socketErrors: string
  /** wrk's output, for a log line when something went wrong. */
  output: string
}

/** One wrk run of POSTs of `bodyFile` with `headers` (bench/wrk/post.lua). */
export async function wrk(base: string, path: string, bodyFile: string, headers: Record<string, string>, conns: number, seconds: number): Promise<WrkResult> {
  const env = {
    ...process.env,
    BENCH_BODY: bodyFile,
    BENCH_PATH: path,
    BENCH_HEADERS: Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('|'),
  }
  const threads = conns === 1 ? 1 : 2
  const p = Bun.spawn(['wrk', `-t${threads}`, `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(BENCH, 'wrk/post.lua'), base], { env, stdout: 'pipe', stderr: 'pipe' })
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN)
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Us: num(/p50_us (\d+)/),
    p99Us: num(/p99_us (\d+)/),
    requests: num(/^requests (\d+)/m),
    non2xx: num(/non2xx (\d+)/),
    socketErrors: /Socket errors:([^\n]*)/.exec(out)?.[1]?.trim() ?? '',
    output: `${err.trim().slice(0, 300)} ${out.slice(0, 300)}`,
  }
}
