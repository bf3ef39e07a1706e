// The official npm `openai` SDK's Responses API through the gateway's translation:
// responses.create() and the responses.stream() helper with a function tool, for a model on a
// Chat Completions backend and for one on an Anthropic backend. The scripted upstream
// (test/helpers/fake-scripted-upstream.ts) answers the same logical reply in either wire format
// and checks every body it receives; the tests check that the stream helper assembles the same
// output items as the non-streamed call, and that a tool round trip completes through both.
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SCRIPT, WEATHER_TOOL_SCHEMA, expectValidRequests, startScriptedUpstream, translationGatewayConfig, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { listenTestGateway, testConfig } from './helpers/gateway'

const KEY = 'sk-sdk-responses'
const WEATHER: Record<string, string> = { Paris: '18°C and sunny', Tokyo: '22°C and cloudy' }
const EXPECTED_RESULTS = `${SCRIPT.resultPrefix}${WEATHER.Paris} | ${WEATHER.Tokyo}`
const QUESTION = 'What is the weather in Paris and Tokyo?'
const TOOL = { type: 'function' as const, name: 'get_weather', description: 'Current weather of a city', parameters: WEATHER_TOOL_SCHEMA, strict: false }

let up: ScriptedUpstream
let gw: ReturnType<typeof listenTestGateway>

beforeAll(() => {
  up = startScriptedUpstream({ chunkDelayMs: 1 })
  gw = listenTestGateway(testConfig(translationGatewayConfig(up, KEY, 'sdk-responses')))
})
afterAll(async () => {
  await gw.stop()
  await up.stop()
})

const client = () => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 })

/** What a response says, without the ids the gateway invents anew for every answer. */
function essence(response: OpenAI.Responses.Response) {
  return {
    model: response.model,
    status: response.status,
    output: response.output.map((item) => {
      switch (item.type) {
        case 'message':
          return { type: 'message', role: item.role, text: item.content.map((c) => (c.type === 'output_text' ? c.text : c.refusal)).join('') }
        case 'reasoning':
          return { type: 'reasoning', text: (item.content ?? []).map((c) => c.text).join(''), signed: typeof item.encrypted_content === 'string' }
        case 'function_call':
          return { type: 'function_call', call_id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) }
        default:
          return { type: item.type }
      }
    }),
    output_text: response.output_text,
    usage: { input_tokens: response.usage?.input_tokens, output_tokens: response.usage?.output_tokens, cached_tokens: response.usage?.input_tokens_details.cached_tokens },
  }
}

const BACKENDS = [
  { label: 'a Chat Completions backend', model: 'qwen3-32b', format: 'openai' as const, ids: SCRIPT.toolIds.openai, signed: false },
  { label: 'an Anthropic backend', model: 'claude-sonnet-4-5', format: 'anthropic' as const, ids: SCRIPT.toolIds.anthropic, signed: true },
]

for (const backend of BACKENDS) {
  describe(`openai (npm) responses.* -> gateway -> fake ${backend.format} upstream (${backend.label})`, () => {
    const usage = { input_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead, output_tokens: SCRIPT.usage.output, cached_tokens: SCRIPT.usage.cacheRead }
    const reasoning = { type: 'reasoning', text: SCRIPT.reasoning, signed: backend.signed }

    it('text with reasoning: responses.create() and responses.stream() assemble the same output', async () => {
      const from = up.received.length
      const params = { model: backend.model, instructions: 'Be brief.', input: 'hi' }
      const created = await client().responses.create(params)
      const stream = client().responses.stream(params)
      const deltas: string[] = []
      stream.on('response.output_text.delta', (e) => deltas.push(e.delta))
      const streamed = await stream.finalResponse()

      expect(essence(created)).toEqual({ model: backend.model, status: 'completed', output: [reasoning, { type: 'message', role: 'assistant', text: SCRIPT.plainText }], output_text: SCRIPT.plainText, usage })
      expect(essence(streamed)).toEqual(essence(created))
      expect(deltas.join('')).toBe(SCRIPT.plainText)
      expect(created.id).toMatch(/^resp_/)
      expect(expectValidRequests(up, from, backend.format).map((r) => r.body.stream ?? false)).toEqual([false, true])
    })

    it('a function tool: both give the parallel calls whole, with the same call ids and arguments', async () => {
      const from = up.received.length
      const params = { model: backend.model, input: QUESTION, tools: [TOOL] }
      const created = await client().responses.create(params)
      const stream = client().responses.stream(params)
      const argumentsDone: string[] = []
      stream.on('response.function_call_arguments.done', (e) => argumentsDone.push(e.arguments))
      const streamed = await stream.finalResponse()

      const calls = SCRIPT.cities.map((city, i) => ({ type: 'function_call', call_id: backend.ids[i]!, name: 'get_weather', arguments: { city, unit: 'celsius' } }))
      expect(essence(created).output).toEqual([reasoning, { type: 'message', role: 'assistant', text: SCRIPT.toolText }, ...calls])
      expect(essence(streamed)).toEqual(essence(created))
      // Each call's arguments arrived whole: never a fragment a client could act on.
      expect(argumentsDone.map((a) => JSON.parse(a))).toEqual(calls.map((c) => c.arguments))
      for (const r of expectValidRequests(up, from, backend.format)) {
        const tools = r.body.tools as Record<string, any>[]
        expect(tools.map((t) => t.name ?? t.function?.name)).toEqual(['get_weather'])
      }
    })

    it('a tool round trip: the outputs go back with the calls, and the answer quotes them, streamed or not', async () => {
      const first = await client().responses.create({ model: backend.model, input: QUESTION, tools: [TOOL] })
      const calls = first.output.filter((i): i is OpenAI.Responses.ResponseFunctionToolCall => i.type === 'function_call')
      expect(calls).toHaveLength(2)
      // As an agent loop does it: the whole output goes back (reasoning with its encrypted_content
      // included), then one function_call_output per call.
      const input: OpenAI.Responses.ResponseInput = [
        { role: 'user', content: QUESTION },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        ...calls.map((c) => ({ type: 'function_call_output' as const, call_id: c.call_id, output: WEATHER[JSON.parse(c.arguments).city]! })),
      ]
      const from = up.received.length
      const created = await client().responses.create({ model: backend.model, input, tools: [TOOL] })
      const streamed = await client().responses.stream({ model: backend.model, input, tools: [TOOL] }).finalResponse()
      expect(created.output_text).toBe(EXPECTED_RESULTS)
      expect(essence(streamed)).toEqual(essence(created))
      for (const r of expectValidRequests(up, from, backend.format)) expect(r.reply).toBe('tool_results_answer')
      if (backend.format === 'anthropic') {
        // The signed thinking went back in front of the calls, as Anthropic wants it.
        const sent = up.received.at(-1)!.body.messages as { role: string; content: Record<string, unknown>[] }[]
        expect(sent.at(-2)!.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use'])
        expect(sent.at(-2)!.content[0]).toMatchObject({ thinking: SCRIPT.reasoning, signature: 'sig_scripted_01' })
      }
    })

    it('raises the SDK error class for a request the gateway refuses', async () => {
      const error = await client()
        .responses.create({ model: backend.model, input: 'hi', previous_response_id: 'resp_earlier' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.BadRequestError)
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id')
    })
  })
}
