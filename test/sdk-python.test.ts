// The PyPI SDKs (`anthropic`, `openai`, in the venv scripts/install-clients.sh makes at
// .cache/clients/venv) through the gateway's translation, both ways: the scripts in test/clients/
// run each scenario non-streaming, with the SDK's stream helper and (openai) as a raw stream, and
// print JSON; this test checks it against the scripted upstream's reply and checks every body the
// upstream received (test/helpers/fake-scripted-upstream.ts).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SCRIPT, expectValidRequests, startScriptedUpstream, translationGatewayConfig, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { listenTestGateway, testConfig } from './helpers/gateway'
import { runBounded } from './helpers/run-bounded'

const ROOT = resolve(import.meta.dir, '..')
const PYTHON = join(ROOT, '.cache/clients/venv/bin/python')
const KEY = 'sk-python-sdks'
const OPENAI_BACKED = 'qwen3-32b'
const ANTHROPIC_BACKED = 'claude-sonnet-4-5'
const RUN_TIMEOUT_MS = 60_000
const EXPECTED_RESULTS = `${SCRIPT.resultPrefix}18°C and sunny | 22°C and cloudy`

let up: ScriptedUpstream
let gw: ReturnType<typeof listenTestGateway>

beforeAll(async () => {
  if (!existsSync(PYTHON)) {
    // Async: a blocking spawn would also block the servers this file starts.
    const install = Bun.spawn(['bash', join(ROOT, 'scripts/install-clients.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if ((await install.exited) !== 0) throw new Error('scripts/install-clients.sh failed: the Python SDKs are not installed')
  }
  up = startScriptedUpstream({ chunkDelayMs: 1 })
  gw = listenTestGateway(
    testConfig(translationGatewayConfig(up, KEY, 'python-sdks')),
  )
}, 300_000)
afterAll(async () => {
  await gw?.stop()
  await up?.stop()
})

/** Runs a client script (async, so the gateway in this process keeps serving), killed after RUN_TIMEOUT_MS. */
async function runScript(script: string, baseURL: string, model: string): Promise<Record<string, any>> {
  const run = await runBounded([PYTHON, join(ROOT, 'test/clients', script), baseURL, KEY, model], {
    cwd: ROOT,
    // A clean environment: no ANTHROPIC_*/OPENAI_* variables of the caller reach the SDKs.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PYTHONIOENCODING: 'utf-8' },
    timeoutMs: RUN_TIMEOUT_MS,
  })
  if (run.code !== 0) throw new Error(`${script} exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`)
  return JSON.parse(run.stdout) as Record<string, any>
}


describe('PyPI anthropic -> gateway -> fake OpenAI-format upstream', () => {
  let out: Record<string, any>
  let from = 0
  beforeAll(async () => {
    from = up.received.length
    out = await runScript('anthropic_client.py', gw.url, OPENAI_BACKED)
  }, RUN_TIMEOUT_MS + 10_000)

  const usage = { input_tokens: SCRIPT.usage.input, output_tokens: SCRIPT.usage.output, cache_read_input_tokens: SCRIPT.usage.cacheRead }
  const message = (content: unknown[], stop_reason: string) => ({ id_prefix: 'msg_', model: OPENAI_BACKED, role: 'assistant', content, stop_reason, usage })
  const thinking = { type: 'thinking', thinking: SCRIPT.reasoning, signature: '' }
  const calls = SCRIPT.cities.map((city, i) => ({ type: 'tool_use', id: SCRIPT.toolIds.openai[i]!, name: 'get_weather', input: { city, unit: 'celsius' } }))

  it('text with reasoning: messages.create() and messages.stream().get_final_message() agree', () => {
    expect(out.text.error).toBeUndefined()
    expect(out.text.create).toEqual(message([thinking, { type: 'text', text: SCRIPT.plainText }], 'end_turn'))
    expect(out.text.stream).toEqual(out.text.create)
    expect(out.text.text_events).toBe(SCRIPT.plainText)
  })

  it('parallel tool calls arrive whole, with the same ids and inputs streamed or not', () => {
    expect(out.tools.error).toBeUndefined()
    expect(out.tools.create).toEqual(message([thinking, { type: 'text', text: SCRIPT.toolText }, ...calls], 'tool_use'))
    expect(out.tools.stream).toEqual(out.tools.create)
  })

  it('tool results go back and the answer quotes them, streamed or not', () => {
    expect(out.tool_round_trip.error).toBeUndefined()
    expect(out.tool_round_trip.calls).toEqual(calls.map((c) => ({ id: c.id, input: c.input })))
    expect(out.tool_round_trip.create).toEqual(message([thinking, { type: 'text', text: EXPECTED_RESULTS }], 'end_turn'))
    expect(out.tool_round_trip.stream).toEqual(out.tool_round_trip.create)
  })

  it('raises the SDK error class for a refused key', () => {
    expect(out.bad_key).toEqual({ raised: 'AuthenticationError', status: 401 })
  })

  it('the backend only ever received valid Chat Completions, tool results as tool messages', () => {
    const seen = expectValidRequests(up, from, 'openai')
    // text (2) + tools (2) + round trip (1 + 2); the refused key never reached it.
    expect(seen.length).toBe(7)
    const answers = seen.filter((r) => r.reply === 'tool_results_answer')
    expect(answers.length).toBe(2)
    for (const r of answers) {
      const messages = r.body.messages as Record<string, any>[]
      expect(messages.slice(-2).map((m) => [m.role, m.tool_call_id])).toEqual(SCRIPT.toolIds.openai.map((id) => ['tool', id]))
    }
  })
})

describe('PyPI openai -> gateway -> fake Anthropic-format upstream', () => {
  let out: Record<string, any>
  let from = 0
  beforeAll(async () => {
    from = up.received.length
    out = await runScript('openai_client.py', `${gw.url}/v1`, ANTHROPIC_BACKED)
  }, RUN_TIMEOUT_MS + 10_000)

  const usage = { prompt_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead, completion_tokens: SCRIPT.usage.output, total_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead + SCRIPT.usage.output }
  const calls = SCRIPT.cities.map((city, i) => ({ id: SCRIPT.toolIds.anthropic[i]!, name: 'get_weather', arguments: { city, unit: 'celsius' } }))
  const completion = (content: string, tool_calls: unknown[], finish_reason: string) => ({ model: ANTHROPIC_BACKED, choices: 1, role: 'assistant', content, tool_calls, finish_reason, usage })

  /** create(), the stream() helper and a hand-accumulated raw stream all give the same answer. */
  function expectAllAgree(result: Record<string, any>, content: string, toolCalls: unknown[], finish: string) {
    expect(result.error).toBeUndefined()
    expect(result.create).toEqual(completion(content, toolCalls, finish))
    expect(result.stream).toEqual(result.create)
    expect(result.raw).toEqual({ content, reasoning: SCRIPT.reasoning, tool_calls: toolCalls, finish_reason: finish, usage })
    expect(result.create_reasoning).toBe(SCRIPT.reasoning)
  }

  it('text with reasoning: create(), chat.completions.stream() and a raw stream agree', () => {
    expectAllAgree(out.text, SCRIPT.plainText, [], 'stop')
  })

  it('parallel tool calls: same ids and arguments in all three', () => {
    expectAllAgree(out.tools, SCRIPT.toolText, calls, 'tool_calls')
  })

  it('tool messages go back and the answer quotes them', () => {
    expect(out.tool_round_trip.calls).toEqual(calls.map((c) => ({ id: c.id, arguments: c.arguments })))
    expectAllAgree(out.tool_round_trip, EXPECTED_RESULTS, [], 'stop')
  })

  it('raises the SDK error class for an unknown model', () => {
    expect(out.unknown_model).toEqual({ raised: 'NotFoundError', status: 404 })
  })

  it('the backend only ever received valid Messages requests, both results in one user turn', () => {
    const seen = expectValidRequests(up, from, 'anthropic')
    // text (3) + tools (3) + round trip (1 + 3)
    expect(seen.length).toBe(10)
    const answers = seen.filter((r) => r.reply === 'tool_results_answer')
    expect(answers.length).toBe(3)
    for (const r of answers) {
      const last = (r.body.messages as { role: string; content: Record<string, any>[] }[]).at(-1)!
      expect(last.role).toBe('user')
      expect(last.content.map((b) => [b.type, b.tool_use_id])).toEqual(SCRIPT.toolIds.anthropic.map((id) => ['tool_result', id]))
    }
  })
})

for (const backend of [
  { model: OPENAI_BACKED, format: 'openai' as const, ids: SCRIPT.toolIds.openai, signed: false },
  { model: ANTHROPIC_BACKED, format: 'anthropic' as const, ids: SCRIPT.toolIds.anthropic, signed: true },
]) {
  describe(`PyPI openai responses.* -> gateway -> fake ${backend.format}-format upstream`, () => {
    let out: Record<string, any>
    let from = 0
    beforeAll(async () => {
      from = up.received.length
      out = await runScript('openai_responses_client.py', `${gw.url}/v1`, backend.model)
    }, RUN_TIMEOUT_MS + 10_000)

    const usage = { input_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead, output_tokens: SCRIPT.usage.output }
    const reasoning = { type: 'reasoning', text: SCRIPT.reasoning, signed: backend.signed }
    const response = (output: unknown[], outputText: string) => ({ model: backend.model, status: 'completed', output, output_text: outputText, usage })
    const calls = SCRIPT.cities.map((city, i) => ({ type: 'function_call', call_id: backend.ids[i]!, name: 'get_weather', arguments: { city, unit: 'celsius' } }))

    it('text with reasoning: responses.create() and the responses.stream() helper assemble the same output', () => {
      expect(out.text.error).toBeUndefined()
      expect(out.text.create).toEqual(response([reasoning, { type: 'message', role: 'assistant', text: SCRIPT.plainText }], SCRIPT.plainText))
      expect(out.text.stream).toEqual(out.text.create)
      expect(out.text.deltas).toBe(SCRIPT.plainText)
    })

    it('a function tool: the same parallel calls, whole, streamed or not', () => {
      expect(out.tools.error).toBeUndefined()
      expect(out.tools.create).toEqual(response([reasoning, { type: 'message', role: 'assistant', text: SCRIPT.toolText }, ...calls], SCRIPT.toolText))
      expect(out.tools.stream).toEqual(out.tools.create)
    })

    it('a tool round trip: the outputs go back and the answer quotes them, streamed or not', () => {
      expect(out.tool_round_trip.error).toBeUndefined()
      expect(out.tool_round_trip.calls).toEqual(calls.map((c) => ({ call_id: c.call_id, arguments: c.arguments })))
      expect(out.tool_round_trip.create.output_text).toBe(EXPECTED_RESULTS)
      expect(out.tool_round_trip.stream).toEqual(out.tool_round_trip.create)
    })

    it('raises the SDK error class for previous_response_id on a translated backend', () => {
      expect(out.refused).toEqual({ raised: 'BadRequestError', status: 400 })
    })

    it('the backend only ever received valid requests of its own API', () => {
      // text (2) + tools (2) + round trip (1 + 2); the refused request never reached it.
      expect(expectValidRequests(up, from, backend.format).length).toBe(7)
    })
  })
}
