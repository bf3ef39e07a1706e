// The Codex CLI itself (the npm package @openai/codex, installed by scripts/install-clients.sh into
// .cache/clients) run as `codex exec` against the compiled gateway (test/helpers/binary.ts), with a
// model provider for the gateway in a temporary CODEX_HOME (`wire_api = "responses"`, the key in
// the variable `env_key` names). The models are routed to the scripted fake upstream speaking Chat
// Completions (qwen3-32b) and Anthropic Messages (claude-*): the gateway translates Codex's
// Responses requests both ways. The fake checks every body it gets (no Responses-only field leaks
// into either API) and answers 400 like a strict backend when one is wrong.
//
// Between Codex and the gateway sits a recording tap on loopback (test/helpers/recording-tap.ts),
// so that the test also checks the Responses stream Codex was given, the 429 it got, and every
// path it called.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary } from './helpers/binary'
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { parseSSEText } from './helpers/read-sse'
import { type RecordingTap, type Tapped, startRecordingTap } from './helpers/recording-tap'
import { runBounded } from './helpers/run-bounded'
import { validateResponsesEvents } from './helpers/validate-responses-stream'

const ROOT = resolve(import.meta.dir, '..')
const CODEX = join(ROOT, '.cache/clients/node_modules/.bin/codex')
const KEY = 'sk-codex-e2e-pro'
const FREE_KEY = 'sk-codex-e2e-free'
const TOKEN = `t${crypto.randomUUID().slice(0, 8)}`
// Arithmetic expansion: only a real shell turns this into ...-42-..., so the answer proves the
// command ran and was not just echoed back by the fake.
const COMMAND = `echo codex-roundtrip-$((6*7))-${TOKEN}`
const EXPECTED_OUTPUT = `codex-roundtrip-42-${TOKEN}`
const TRIGGER = 'ROUNDTRIP-TASK'
/** Codex's shell tool: a function tool taking the command line as `cmd`. */
const SHELL_TOOL = 'exec_command'
const RUN_TIMEOUT_MS = 90_000

let up: ScriptedUpstream
let gateway: RunningBinary
let tap: RecordingTap
let tapped: Tapped[] = []

beforeAll(async () => {
  if (!existsSync(CODEX)) {
    // Async: a blocking spawn would also block the servers this file starts.
    const install = Bun.spawn(['bash', join(ROOT, 'scripts/install-clients.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if ((await install.exited) !== 0) throw new Error('scripts/install-clients.sh failed: the Codex CLI is not installed')
  }
  up = startScriptedUpstream({ scenarios: [{ trigger: TRIGGER, toolName: SHELL_TOOL, calls: [{ cmd: COMMAND }] }], chunkDelayMs: 2 })
  const { dir, bin } = await emptyDirWithBinary()
  const config = {
    backends: {
      internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-internal-secret' },
      claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-claude-secret' },
    },
    models: {
      'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B', max_output_tokens: 8192 },
      'claude-*': { backend: 'claude', max_output_tokens: 8192 },
    },
    tiers: {
      free: { daily_requests: 10, models: ['qwen3-32b'], routes: { 'gpt-*': 'qwen3-32b', 'claude-*': 'qwen3-32b' } },
      pro: { daily_requests: 1000, models: ['*'] },
    },
    auth: { keys: [{ key: KEY, user: 'codex-pro', tier: 'pro' }, { key: FREE_KEY, user: 'codex-free', tier: 'free' }] },
  }
  writeFileSync(join(dir, 'gateway.json'), JSON.stringify(config))
  gateway = await runBinary(bin, ['serve', '--config', join(dir, 'gateway.json')], { GATEWAY_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' }, dir)
  tap = startRecordingTap(() => gateway.url)
  tapped = tap.tapped
}, 300_000)

afterAll(async () => {
  tap?.stop()
  await gateway?.stop()
  await up?.stop()
})

interface CodexRun {
  exitCode: number | null
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs `codex exec PROMPT` with MODEL in a fresh CODEX_HOME, HOME and working directory, killed
 * after RUN_TIMEOUT_MS. `catalog`: the provider's model_catalog_url points at the gateway's
 * /v1/models, which Codex then reads (and logs, at error level, when it cannot decode it).
 */
async function runCodex(prompt: string, model: string, key = KEY, options: { catalog?: boolean } = {}): Promise<CodexRun> {
  const home = mkdtempSync(join(tmpdir(), 'llmgw-codex-home-'))
  const work = mkdtempSync(join(tmpdir(), 'llmgw-codex-work-'))
  const codexHome = join(home, '.codex')
  Bun.spawnSync(['mkdir', '-p', codexHome])
  // The README's set-up, with retries off so that a refusal shows at once.
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      `model = "${model}"`,
      'model_provider = "llm-gateway"',
      '',
      '[model_providers.llm-gateway]',
      'name = "llm-gateway"',
      `base_url = "http://127.0.0.1:${tap.port}/v1"`,
      'env_key = "LLM_GATEWAY_API_KEY"',
      'wire_api = "responses"',
      ...(options.catalog ? [`model_catalog_url = "http://127.0.0.1:${tap.port}/v1/models"`] : []),
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  )
  try {
    const run = await runBounded([CODEX, 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', prompt], {
      cwd: work,
      // A clean environment: nothing of the caller's own OpenAI or Codex settings leaks in.
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, CODEX_HOME: codexHome, TMPDIR: tmpdir(), LLM_GATEWAY_API_KEY: key, NO_COLOR: '1', RUST_LOG: 'error' },
      timeoutMs: RUN_TIMEOUT_MS,
    })
    return { exitCode: run.code, stdout: run.stdout, stderr: run.stderr, ms: run.ms }
  } finally {
    rmSync(home, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  }
}

function explain(run: CodexRun): string {
  return `exit ${run.exitCode} after ${Math.round(run.ms)} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-4000)}\nupstream saw: ${JSON.stringify(up.received.map((r) => [r.method, r.path, r.reply, r.problems]))}\ntapped: ${JSON.stringify(tapped.map((t) => [t.method, t.path, t.status]))}`
}

/** Every Responses stream the gateway sent Codex since `from` is valid; returns their final responses. */
async function checkStreams(from: number) {
  const streams = tapped.slice(from).filter((t) => t.path.startsWith('/v1/responses') && t.contentType.includes('text/event-stream'))
  expect(streams.length).toBeGreaterThan(0)
  const finals: Record<string, any>[] = []
  for (const s of streams) {
    const events = parseSSEText(await s.responseText)
    expect(validateResponsesEvents(events)).toEqual([])
    finals.push(JSON.parse(events.at(-1)!.data).response)
  }
  return finals
}

for (const backend of [
  { label: 'a fake Chat Completions upstream', model: 'qwen3-32b', format: 'openai' as const },
  { label: 'a fake Anthropic upstream', model: 'claude-sonnet-4-5', format: 'anthropic' as const },
]) {
  describe(`Codex (codex exec) through the compiled gateway to ${backend.label}`, () => {
    it('completes a shell tool round trip: the fake asks for the command, Codex runs it, the fake quotes its output', async () => {
      const fromUp = up.received.length
      const fromTap = tapped.length
      const run = await runCodex(`${TRIGGER}: run the shell command I prepared and tell me exactly what it printed.`, backend.model, KEY, { catalog: true })
      if (run.exitCode !== 0 || !run.stdout.includes(EXPECTED_OUTPUT)) throw new Error(explain(run))
      expect(run.stdout).toContain(`${up.resultPrefix}`)

      // Codex read the gateway's model list (model_catalog_url) and could decode it.
      const listed = tapped.slice(fromTap).filter((t) => t.method === 'GET' && t.path.startsWith('/v1/models'))
      expect(listed.length).toBeGreaterThan(0)
      for (const t of listed) {
        expect(t.status).toBe(200)
        const body = JSON.parse(await t.responseText) as { data: { id: string }[]; models: unknown[] }
        expect(body.data.map((m) => m.id)).toContain('qwen3-32b')
        expect(body.models).toEqual([])
      }
      expect(run.stderr).not.toContain('failed to decode models response')

      // What the backend received: valid requests of its own API only, streaming, Codex's tools as functions.
      const seen = up.received.slice(fromUp)
      for (const r of seen) expect({ path: `${r.method} ${r.path}`, problems: r.problems }).toEqual({ path: `POST ${backend.format === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, problems: [] })
      const call = seen.find((r) => r.reply === 'tool_calls')
      const answer = seen.find((r) => r.reply === 'tool_results_answer')
      expect(call).toBeDefined()
      expect(answer).toBeDefined()
      expect(call!.body.stream).toBe(true)
      const toolNames = (call!.body.tools as Record<string, any>[]).map((t) => t.function?.name ?? t.name)
      expect(toolNames).toContain(SHELL_TOOL)
      // The built-in web_search tool never reaches a backend that cannot run it.
      expect(toolNames).not.toContain('web_search')

      // The second turn carries the call and the command's real output as its result.
      if (backend.format === 'openai') {
        const messages = answer!.body.messages as Record<string, any>[]
        const assistant = messages.findLast((m) => m.role === 'assistant')!
        expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toMatchObject({ cmd: COMMAND })
        const result = messages.at(-1)!
        expect([result.role, result.tool_call_id]).toEqual(['tool', assistant.tool_calls[0].id])
        expect(String(result.content)).toContain(EXPECTED_OUTPUT)
      } else {
        const messages = answer!.body.messages as { role: string; content: Record<string, any>[] }[]
        const toolUse = messages.at(-2)!.content.find((b) => b.type === 'tool_use')!
        expect(toolUse.input).toMatchObject({ cmd: COMMAND })
        const result = messages.at(-1)!.content.find((b) => b.type === 'tool_result')!
        expect(result.tool_use_id).toBe(toolUse.id)
        expect(JSON.stringify(result.content)).toContain(EXPECTED_OUTPUT)
      }

      // What Codex was given: valid Responses streams; the first asks for the command, the last answers.
      const finals = await checkStreams(fromTap)
      expect(finals[0]!.output.find((i: any) => i.type === 'function_call')).toMatchObject({ name: SHELL_TOOL })
      expect(finals.at(-1)!.output.at(-1).content[0].text).toContain(EXPECTED_OUTPUT)
      expect(finals.every((f) => f.model === backend.model && f.status === 'completed')).toBe(true)
    }, RUN_TIMEOUT_MS + 30_000)
  })
}

describe('Codex on the free tier', () => {
  it('is routed per the tier table, and gets the 429 in OpenAI shape with the rate-limit headers on the eleventh request', async () => {
    const fromUp = up.received.length
    const fromTap = tapped.length
    for (let i = 1; i <= 10; i++) {
      const run = await runCodex(`Say hello, number ${i}.`, 'gpt-5-codex', FREE_KEY)
      if (run.exitCode !== 0 || !run.stdout.includes(up.plainText)) throw new Error(`run ${i}: ${explain(run)}`)
    }
    // Every request went to the internal model the free tier routes gpt-* to.
    const seen = up.received.slice(fromUp)
    expect(seen.length).toBe(10)
    expect(seen.every((r) => r.path === '/v1/chat/completions' && r.body.model === 'Qwen/Qwen3-32B' && r.problems.length === 0)).toBe(true)

    const refusedRun = await runCodex('Say hello, number 11.', 'gpt-5-codex', FREE_KEY)
    expect(refusedRun.exitCode).not.toBe(0)
    expect(up.received.length).toBe(fromUp + 10)
    const responses = tapped.slice(fromTap).filter((t) => t.method === 'POST' && t.path.startsWith('/v1/responses'))
    expect(responses.map((t) => t.status)).toEqual([...Array(10).fill(200), 429])
    const refused = responses.at(-1)!
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('10')
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset-requests')).not.toBeNull()
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = JSON.parse(await refused.responseText) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'daily_quota_exceeded' })
    // Codex tells its user the status and the gateway's request id (for the access log).
    expect(`${refusedRun.stdout}\n${refusedRun.stderr}`).toContain(`429 Too Many Requests, request id: ${refused.headers.get('x-request-id')}`)
  }, 11 * (RUN_TIMEOUT_MS / 3) + 30_000)

  it('only called routes the gateway serves', () => {
    expect(tapped.length).toBeGreaterThan(0)
    for (const t of tapped) expect({ path: t.path, status: t.status < 500 }).toEqual({ path: t.path, status: true })
    for (const t of tapped.filter((t) => t.path.startsWith('/v1/models'))) expect(t.status).toBe(200)
  })
})
