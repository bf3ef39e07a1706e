// Claude Code itself (the npm package @anthropic-ai/claude-code, installed by
// scripts/install-clients.sh into .cache/clients) run as `claude -p` against the gateway, with its
// model routed to an OpenAI-format fake upstream: the gateway translates Anthropic Messages ->
// Chat Completions and the streamed answer back. The fake checks every Chat Completions body it
// gets (no Anthropic-only field, every tool call answered by a tool message with its id) and
// answers 400 like a strict backend when one is wrong.
//
// Between Claude Code and the gateway sits a recording tap on loopback: it forwards bytes unchanged
// (streams stream through) and keeps a copy, so that the test can also check the Anthropic stream
// Claude Code was given and see every path Claude Code called. With 2.1.197 in -p mode that is
// HEAD / (a connection warm-up, answered 404), then POST /v1/messages?beta=true, always streaming,
// ~75 KB with 24 tools, thinking {type: adaptive}, context_management, output_config and metadata;
// no count_tokens and no side requests (titles, quota checks) with nonessential traffic disabled.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { listenTestGateway, testConfig } from './helpers/gateway'
import { parseSSEText } from './helpers/read-sse'
import { validateAnthropicEvents } from './helpers/validate-anthropic-stream'
import { type RecordingTap, type Tapped, startRecordingTap } from './helpers/recording-tap'
import { runBounded } from './helpers/run-bounded'

const ROOT = resolve(import.meta.dir, '..')
const CLAUDE = join(ROOT, '.cache/clients/node_modules/.bin/claude')
const KEY = 'sk-claude-code-e2e'
const TOKEN = `t${crypto.randomUUID().slice(0, 8)}`
// Arithmetic expansion: only a real shell turns this into ...-42-..., so the answer proves the
// command ran and was not just echoed back by the fake.
const COMMAND = `echo gateway-roundtrip-$((6*7))-${TOKEN}`
const EXPECTED_OUTPUT = `gateway-roundtrip-42-${TOKEN}`
const TRIGGER = 'ROUNDTRIP-TASK'
const PARALLEL_TRIGGER = 'PARALLEL-TASK'
const PARALLEL_COMMANDS = [`echo first-$((2+3))-${TOKEN}`, `printf 'second-%s-%s\\n' $((3*3)) ${TOKEN}`]
const PARALLEL_OUTPUTS = [`first-5-${TOKEN}`, `second-9-${TOKEN}`]
const MAX_OUTPUT_TOKENS = 8192
const RUN_TIMEOUT_MS = 90_000

let up: ScriptedUpstream
let gw: ReturnType<typeof listenTestGateway>
let tap: RecordingTap
let tapped: Tapped[] = []

beforeAll(async () => {
  if (!existsSync(CLAUDE)) {
    const install = Bun.spawnSync(['bash', join(ROOT, 'scripts/install-clients.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if (install.exitCode !== 0) throw new Error('scripts/install-clients.sh failed: Claude Code is not installed')
  }
  up = startScriptedUpstream({
    scenarios: [
      { trigger: TRIGGER, toolName: 'Bash', calls: [{ command: COMMAND, description: 'Print the round-trip token' }] },
      { trigger: PARALLEL_TRIGGER, toolName: 'Bash', calls: PARALLEL_COMMANDS.map((command, i) => ({ command, description: `Print part ${i + 1}` })) },
    ],
    chunkDelayMs: 2,
  })
  gw = listenTestGateway(
    testConfig({
      backends: { internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-internal-secret' } },
      models: {
        // Claude Code asks for claude-opus-*/claude-sonnet-*/claude-haiku-* ids that change often.
        'claude-*': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B', max_output_tokens: MAX_OUTPUT_TOKENS },
      },
      tiers: { pro: { daily_requests: 1000, models: ['*'] } },
      auth: { keys: [{ key: KEY, user: 'claude-code-user', tier: 'pro' }] },
    }),
  )
  tap = startRecordingTap(() => gw.url)
  tapped = tap.tapped
}, 300_000)

afterAll(async () => {
  tap?.stop()
  await gw?.stop()
  await up?.stop()
})

interface ClaudeRun {
  exitCode: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs `claude -p PROMPT ...args` in a fresh HOME and working directory, killed after RUN_TIMEOUT_MS. */
async function runClaude(prompt: string, args: string[] = []): Promise<ClaudeRun> {
  const home = mkdtempSync(join(tmpdir(), 'llmgw-claude-home-'))
  const work = mkdtempSync(join(tmpdir(), 'llmgw-claude-work-'))
  // A clean environment: nothing of the caller's own Anthropic or Claude Code settings leaks in.
  try {
    const run = await runBounded([CLAUDE, '-p', prompt, '--allowedTools', 'Bash', ...args], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        TMPDIR: tmpdir(),
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${tap.port}`,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      },
      timeoutMs: RUN_TIMEOUT_MS,
    })
    return { exitCode: run.code, stdout: run.stdout, stderr: run.stderr, ms: run.ms }
  } finally {
    rmSync(home, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  }
}

function explain(run: ClaudeRun): string {
  return `exit ${run.exitCode} after ${Math.round(run.ms)} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}\nupstream saw: ${JSON.stringify(up.received.map((r) => [r.method, r.path, r.reply, r.problems]))}`
}

/** Every Anthropic stream the gateway sent back through the tap since `from` is valid. */
async function checkStreams(from: number) {
  const streams = tapped.slice(from).filter((t) => t.path.startsWith('/v1/messages') && t.contentType.includes('text/event-stream'))
  expect(streams.length).toBeGreaterThan(0)
  const messages: { content: Record<string, unknown>[]; stopReason: unknown }[] = []
  for (const s of streams) {
    const events = parseSSEText(await s.responseText)
    expect(validateAnthropicEvents(events)).toEqual([])
    messages.push(assemble(events))
  }
  return messages
}

/** Assembles a streamed Anthropic message the way a client does. */
function assemble(events: { event?: string; data: string }[]) {
  const content: Record<string, unknown>[] = []
  const json: string[] = []
  let stopReason: unknown = null
  for (const e of events) {
    const data = JSON.parse(e.data) as Record<string, any>
    if (e.event === 'content_block_start') {
      content[data.index] = { ...data.content_block }
      json[data.index] = ''
    } else if (e.event === 'content_block_delta') {
      const block = content[data.index]!
      if (data.delta.type === 'text_delta') block.text = `${block.text}${data.delta.text}`
      if (data.delta.type === 'thinking_delta') block.thinking = `${block.thinking}${data.delta.thinking}`
      if (data.delta.type === 'input_json_delta') json[data.index] += data.delta.partial_json
    } else if (e.event === 'content_block_stop' && content[data.index]!.type === 'tool_use') {
      content[data.index]!.input = json[data.index] === '' ? {} : JSON.parse(json[data.index]!)
    } else if (e.event === 'message_delta') stopReason = data.delta.stop_reason
  }
  return { content, stopReason }
}

describe('Claude Code (claude -p) through the gateway to a fake OpenAI-format upstream', () => {
  it('completes a task that needs a Bash tool round trip and quotes the command output', async () => {
    const fromUp = up.received.length
    const fromTap = tapped.length
    const run = await runClaude(`${TRIGGER}: run the shell command I prepared and tell me exactly what it printed.`)
    if (run.exitCode !== 0 || !run.stdout.includes(EXPECTED_OUTPUT)) throw new Error(explain(run))
    expect(run.stdout).toContain(`${up.resultPrefix}${EXPECTED_OUTPUT}`)

    // What the OpenAI-format backend received: valid Chat Completions only, streaming, clamped.
    const seen = up.received.slice(fromUp)
    for (const r of seen) {
      expect({ path: `${r.method} ${r.path}`, problems: r.problems }).toEqual({ path: 'POST /v1/chat/completions', problems: [] })
      expect(r.body.stream).toBe(true)
      expect(r.body.max_completion_tokens as number).toBeLessThanOrEqual(MAX_OUTPUT_TOKENS)
      expect(r.body.model).toBe('Qwen/Qwen3-32B')
    }
    const call = seen.find((r) => r.reply === 'tool_calls')
    const answer = seen.find((r) => r.reply === 'tool_results_answer')
    expect(call).toBeDefined()
    expect(answer).toBeDefined()

    // Claude Code's tool list arrived as functions; Bash keeps its schema.
    const tools = call!.body.tools as { type: string; function: { name: string; parameters: { properties: Record<string, unknown>; required: string[] } } }[]
    const bash = tools.find((t) => t.function.name === 'Bash')!
    expect(bash.type).toBe('function')
    expect(Object.keys(bash.function.parameters.properties)).toContain('command')
    expect(bash.function.parameters.required).toContain('command')

    // The second turn carries the call (same id, same arguments) and its result as a tool message.
    const messages = answer!.body.messages as Record<string, any>[]
    const assistant = messages.findLast((m) => m.role === 'assistant')!
    expect(assistant.tool_calls).toHaveLength(1)
    const toolCall = assistant.tool_calls[0]
    expect(toolCall.function.name).toBe('Bash')
    expect(JSON.parse(toolCall.function.arguments)).toEqual({ command: COMMAND, description: 'Print the round-trip token' })
    const toolMessage = messages.at(-1)!
    expect(toolMessage.role).toBe('tool')
    expect(toolMessage.tool_call_id).toBe(toolCall.id)
    expect(String(toolMessage.content)).toContain(EXPECTED_OUTPUT)
    expect(messages[0]!.role).toBe('system')

    // What Claude Code was given: valid Anthropic streams; the first asks for the tool with its
    // whole input, after a thinking block; the last answers with text.
    const streamed = await checkStreams(fromTap)
    const first = streamed.find((m) => m.content.some((b) => b.type === 'tool_use'))!
    expect(first.stopReason).toBe('tool_use')
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use'])
    expect(first.content[1]).toMatchObject({ type: 'tool_use', name: 'Bash', input: { command: COMMAND } })
    const last = streamed.at(-1)!
    expect(last.stopReason).toBe('end_turn')
    expect(last.content.at(-1)).toEqual({ type: 'text', text: `${up.resultPrefix}${EXPECTED_OUTPUT}` })
  }, RUN_TIMEOUT_MS + 30_000)

  it('runs two parallel Bash calls and sends both results back in one turn, each with its id', async () => {
    const fromUp = up.received.length
    const fromTap = tapped.length
    const run = await runClaude(`${PARALLEL_TRIGGER}: run both prepared commands and report their output.`)
    if (run.exitCode !== 0 || !run.stdout.includes(PARALLEL_OUTPUTS[1]!)) throw new Error(explain(run))
    expect(run.stdout).toContain(`${up.resultPrefix}${PARALLEL_OUTPUTS.join(' | ')}`)

    const seen = up.received.slice(fromUp)
    for (const r of seen) expect(r.problems).toEqual([])
    const answer = seen.find((r) => r.reply === 'tool_results_answer')!
    const messages = answer.body.messages as Record<string, any>[]
    const assistant = messages.findLast((m) => m.role === 'assistant')!
    expect(assistant.tool_calls.map((c: any) => JSON.parse(c.function.arguments).command)).toEqual(PARALLEL_COMMANDS)
    // Both results follow the assistant message directly, in call order, as tool messages.
    const results = messages.slice(messages.indexOf(assistant) + 1)
    expect(results.map((m) => [m.role, m.tool_call_id])).toEqual(assistant.tool_calls.map((c: any) => ['tool', c.id]))
    expect(results.map((m) => String(m.content).trim())).toEqual(PARALLEL_OUTPUTS)

    const streamed = await checkStreams(fromTap)
    const calls = streamed.find((m) => m.stopReason === 'tool_use')!
    expect(calls.content.filter((b) => b.type === 'tool_use').map((b) => (b.input as { command: string }).command)).toEqual(PARALLEL_COMMANDS)
  }, RUN_TIMEOUT_MS + 30_000)

  it('answers a plain prompt with text, with the backend usage reported to Claude Code', async () => {
    const fromUp = up.received.length
    const fromTap = tapped.length
    const run = await runClaude('Say hello in one short sentence.', ['--output-format', 'json'])
    if (run.exitCode !== 0) throw new Error(explain(run))
    const result = JSON.parse(run.stdout) as Record<string, any>
    expect(result.is_error).toBe(false)
    expect(result.subtype).toBe('success')
    expect(result.result).toBe(up.plainText)
    expect(result.num_turns).toBe(1)
    // The fake reports prompt_tokens 1200 with 200 cached: Anthropic counts 1000 + 200 cache reads.
    expect(result.usage.input_tokens).toBe(1000)
    expect(result.usage.cache_read_input_tokens).toBe(200)
    expect(result.usage.output_tokens).toBeGreaterThan(0)

    const seen = up.received.slice(fromUp)
    expect(seen.length).toBeGreaterThan(0)
    for (const r of seen) expect(r.problems).toEqual([])
    expect(seen.every((r) => r.reply === 'text')).toBe(true)
    const streamed = await checkStreams(fromTap)
    expect(streamed.at(-1)!.stopReason).toBe('end_turn')
    expect(streamed.at(-1)!.content.at(-1)).toEqual({ type: 'text', text: up.plainText })
  }, RUN_TIMEOUT_MS + 30_000)

  it('only ever called routes the gateway serves (no 5xx, LLM calls all 200)', () => {
    expect(tapped.length).toBeGreaterThan(0)
    for (const t of tapped) {
      expect(t.status).toBeLessThan(500)
      if (t.path.startsWith('/v1/')) expect({ path: t.path, status: t.status }).toEqual({ path: t.path, status: 200 })
    }
    // Whatever Claude Code sent to /v1/messages was its real request: streaming, with tools.
    const llm = tapped.filter((t) => t.method === 'POST' && t.path.startsWith('/v1/messages') && !t.path.startsWith('/v1/messages/count_tokens'))
    expect(llm.length).toBeGreaterThanOrEqual(5)
    for (const t of llm) expect(t.requestBody?.stream).toBe(true)
  })
})
