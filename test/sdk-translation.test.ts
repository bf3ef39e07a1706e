// The official npm SDKs through the gateway's translation, both ways, streaming and not, tools
// included: `@anthropic-ai/sdk` on /v1/messages for a model on an OpenAI-format backend, and
// `openai` on /v1/chat/completions for a model on an Anthropic-format backend. One scripted
// upstream (test/helpers/fake-scripted-upstream.ts) answers the same logical reply in either wire
// format and checks every body it receives; the tests check that each SDK's stream helper assembles
// the same final message as the non-streaming call, and that both match what the backend meant.
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SCRIPT, WEATHER_TOOL_SCHEMA, expectValidRequests, startScriptedUpstream, translationGatewayConfig, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { listenTestGateway, testConfig } from './helpers/gateway'

const KEY = 'sk-sdk-translation'
/** On /v1/messages: routed to the OpenAI-format backend. */
const OPENAI_BACKED = 'qwen3-32b'
/** On /v1/chat/completions: routed to the Anthropic-format backend. */
const ANTHROPIC_BACKED = 'claude-sonnet-4-5'
const WEATHER: Record<string, string> = { Paris: '18°C and sunny', Tokyo: '22°C and cloudy' }
const EXPECTED_RESULTS = `${SCRIPT.resultPrefix}${WEATHER.Paris} | ${WEATHER.Tokyo}`
const QUESTION = 'What is the weather in Paris and Tokyo?'

let up: ScriptedUpstream
let gw: ReturnType<typeof listenTestGateway>

beforeAll(() => {
  up = startScriptedUpstream({ chunkDelayMs: 1 })
  gw = listenTestGateway(
    testConfig(translationGatewayConfig(up, KEY, 'sdk-translation')),
  )
})
afterAll(async () => {
  await gw.stop()
  await up.stop()
})


describe('@anthropic-ai/sdk -> gateway -> fake OpenAI-format upstream', () => {
  const client = () => new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0, timeout: 20_000 })
  const weatherTool: Anthropic.Tool = { name: 'get_weather', description: 'Current weather of a city', input_schema: WEATHER_TOOL_SCHEMA as Anthropic.Tool.InputSchema }

  /** The parts of a message both paths must agree on (the SDK keeps private fields on streamed blocks). */
  function essence(message: Anthropic.Message) {
    return {
      model: message.model,
      role: message.role,
      content: message.content.map((b) => {
        switch (b.type) {
          case 'text':
            return { type: 'text', text: b.text }
          case 'thinking':
            return { type: 'thinking', thinking: b.thinking, signature: b.signature }
          case 'tool_use':
            return { type: 'tool_use', id: b.id, name: b.name, input: b.input }
          default:
            return { type: b.type }
        }
      }),
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
      usage: { input_tokens: message.usage.input_tokens, output_tokens: message.usage.output_tokens, cache_read_input_tokens: message.usage.cache_read_input_tokens },
    }
  }

  const expectedUsage = { input_tokens: SCRIPT.usage.input, output_tokens: SCRIPT.usage.output, cache_read_input_tokens: SCRIPT.usage.cacheRead }

  it('text with reasoning: create() and stream().finalMessage() give the same message', async () => {
    const from = up.received.length
    const params = { model: OPENAI_BACKED, max_tokens: 64000, system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }], messages: [{ role: 'user' as const, content: 'hi' }] }
    const created = await client().messages.create(params)
    const stream = client().messages.stream(params)
    const texts: string[] = []
    const thinking: string[] = []
    stream.on('text', (t) => texts.push(t))
    stream.on('thinking', (t) => thinking.push(t))
    const streamed = await stream.finalMessage()

    expect(essence(created)).toEqual({
      model: OPENAI_BACKED,
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: SCRIPT.reasoning, signature: '' },
        { type: 'text', text: SCRIPT.plainText },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: expectedUsage,
    })
    expect(essence(streamed)).toEqual(essence(created))
    expect(texts.join('')).toBe(SCRIPT.plainText)
    expect(thinking.join('')).toBe(SCRIPT.reasoning)
    expect(created.id).toMatch(/^msg_/)
    expect(streamed.id).toMatch(/^msg_/)

    const seen = expectValidRequests(up, from, 'openai')
    expect(seen.map((r) => r.body.stream ?? false)).toEqual([false, true])
    expect(seen[1]!.body.stream_options).toEqual({ include_usage: true })
    // max_tokens 64000 clamped to the model's max_output_tokens; the system prompt comes first.
    for (const r of seen) {
      expect(r.body.max_completion_tokens).toBe(8192)
      expect((r.body.messages as { role: string; content: unknown }[])[0]).toEqual({ role: 'system', content: 'Be brief.' })
    }
  })

  it('parallel tool calls: create() and stream().finalMessage() give the same tool_use blocks', async () => {
    const from = up.received.length
    const params: Anthropic.MessageCreateParamsNonStreaming = { model: OPENAI_BACKED, max_tokens: 1024, tools: [weatherTool], tool_choice: { type: 'auto' }, messages: [{ role: 'user', content: QUESTION }] }
    const created = await client().messages.create(params)
    const stream = client().messages.stream(params)
    const jsonSnapshots: unknown[] = []
    stream.on('inputJson', (_partial, snapshot) => jsonSnapshots.push(snapshot))
    const streamed = await stream.finalMessage()

    const expectedCalls = SCRIPT.cities.map((city, i) => ({ type: 'tool_use', id: SCRIPT.toolIds.openai[i]!, name: 'get_weather', input: { city, unit: 'celsius' } }))
    expect(essence(created)).toEqual({
      model: OPENAI_BACKED,
      role: 'assistant',
      content: [{ type: 'thinking', thinking: SCRIPT.reasoning, signature: '' }, { type: 'text', text: SCRIPT.toolText }, ...expectedCalls],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: expectedUsage,
    })
    expect(essence(streamed)).toEqual(essence(created))
    // Each tool input arrived whole: never an empty or partial object handed to the SDK.
    expect(jsonSnapshots).toEqual(SCRIPT.cities.map((city) => ({ city, unit: 'celsius' })))

    const seen = expectValidRequests(up, from, 'openai')
    for (const r of seen) {
      expect(r.body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather of a city', parameters: WEATHER_TOOL_SCHEMA } }])
      expect(r.body.tool_choice).toBe('auto')
    }
  })

  it('tool round trip: both results go back as tool messages and the answer quotes them, streamed or not', async () => {
    const c = client()
    const first = await c.messages.create({ model: OPENAI_BACKED, max_tokens: 1024, tools: [weatherTool], messages: [{ role: 'user', content: QUESTION }] })
    const calls = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
    expect(calls).toHaveLength(2)
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: QUESTION },
      // The assistant turn goes back whole, thinking block with its empty signature included.
      { role: 'assistant', content: first.content },
      { role: 'user', content: calls.map((call) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: WEATHER[(call.input as { city: string }).city]! })) },
    ]
    const from = up.received.length
    const created = await c.messages.create({ model: OPENAI_BACKED, max_tokens: 1024, tools: [weatherTool], messages })
    const streamed = await c.messages.stream({ model: OPENAI_BACKED, max_tokens: 1024, tools: [weatherTool], messages }).finalMessage()
    expect(essence(created).content.at(-1)).toEqual({ type: 'text', text: EXPECTED_RESULTS })
    expect(essence(streamed)).toEqual(essence(created))
    expect(created.stop_reason).toBe('end_turn')

    for (const r of expectValidRequests(up, from, 'openai')) {
      const sent = r.body.messages as Record<string, any>[]
      const assistant = sent.at(-3)!
      expect(assistant.role).toBe('assistant')
      expect(assistant.tool_calls.map((t: any) => [t.id, JSON.parse(t.function.arguments)])).toEqual(calls.map((call) => [call.id, call.input]))
      expect(sent.slice(-2)).toEqual(calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: WEATHER[(call.input as { city: string }).city] })))
      expect(r.reply).toBe('tool_results_answer')
    }
  })

  /** Runs the SDK's tool runner over the weather question; returns the final message and the tools it ran. */
  async function runToolRunner(options: { stream: boolean; thread?: false }) {
    const ran: string[] = []
    const runner = client().beta.messages.toolRunner({
      model: OPENAI_BACKED,
      max_tokens: 1024,
      messages: [{ role: 'user', content: QUESTION }],
      stream: options.stream,
      ...(options.thread === false ? { thread: false } : {}),
      tools: [
        {
          ...weatherTool,
          run: (input: { city: string }) => {
            ran.push(input.city)
            return WEATHER[input.city]!
          },
        },
      ],
    } as never) as unknown as { runUntilDone(): Promise<Anthropic.Message> }
    const final = await runner.runUntilDone()
    return { final, ran }
  }

  it("the SDK's tool runner without server threads completes the parallel loop, streaming and not", async () => {
    for (const stream of [false, true]) {
      const from = up.received.length
      const { final, ran } = await runToolRunner({ stream, thread: false })
      expect(ran).toEqual([...SCRIPT.cities])
      expect(final.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text)).toEqual([EXPECTED_RESULTS])
      expect(final.stop_reason).toBe('end_turn')
      expect(expectValidRequests(up, from, 'openai').map((r) => r.reply)).toEqual(['tool_calls', 'tool_results_answer'])
    }
  })

  it('a message thread (server-held history) is refused before it reaches the OpenAI backend, never half-forwarded', async () => {
    // An OpenAI backend keeps no history: forwarding `continue` turns would answer out of context.
    for (const thread of [{ type: 'create' }, { type: 'continue', previous_message_id: 'msg_earlier' }]) {
      const from = up.received.length
      const error = await client()
        .beta.messages.create({ model: OPENAI_BACKED, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], thread } as never)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Anthropic.BadRequestError)
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
      expect(up.received.length).toBe(from)
    }
  })

  // The SDK's tool runner uses server threads by default and falls back to sending the whole
  // history when the API answers error.details.error_code "thread_unsupported_request", which the
  // converter sets and the error renderer writes.
  it("the SDK's tool runner with server threads (its default) falls back to the full history", async () => {
    const from = up.received.length
    const { final, ran } = await runToolRunner({ stream: false })
    expect(ran).toEqual([...SCRIPT.cities])
    expect(final.content.filter((b) => b.type === 'text').map((b) => (b as Anthropic.TextBlock).text)).toEqual([EXPECTED_RESULTS])
    expect(expectValidRequests(up, from, 'openai').map((r) => r.reply)).toEqual(['tool_calls', 'tool_results_answer'])
  })
})

describe('openai SDK -> gateway -> fake Anthropic-format upstream', () => {
  const client = () => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, timeout: 20_000 })
  const weatherTool: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', description: 'Current weather of a city', parameters: WEATHER_TOOL_SCHEMA } }

  /**
   * The parts of a completion both paths must agree on. `reasoning_content` is not an OpenAI field:
   * the SDK's stream helper keeps only the last fragment of it, so streamed completions are compared
   * without it (the raw-stream test below checks every reasoning fragment arrives).
   */
  function essence(completion: OpenAI.ChatCompletion, options: { reasoning: boolean } = { reasoning: true }) {
    const choice = completion.choices[0]!
    const message = choice.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string }
    return {
      model: completion.model,
      object: completion.object,
      choices: completion.choices.length,
      role: message.role,
      content: message.content,
      ...(options.reasoning ? { reasoning_content: message.reasoning_content } : {}),
      tool_calls: (message.tool_calls ?? []).map((t) => (t.type === 'function' ? { id: t.id, type: t.type, name: t.function.name, arguments: JSON.parse(t.function.arguments) } : t)),
      finish_reason: choice.finish_reason,
      usage: completion.usage && { prompt_tokens: completion.usage.prompt_tokens, completion_tokens: completion.usage.completion_tokens, total_tokens: completion.usage.total_tokens, cached_tokens: completion.usage.prompt_tokens_details?.cached_tokens },
    }
  }

  const expectedUsage = {
    prompt_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead,
    completion_tokens: SCRIPT.usage.output,
    total_tokens: SCRIPT.usage.input + SCRIPT.usage.cacheRead + SCRIPT.usage.output,
    cached_tokens: SCRIPT.usage.cacheRead,
  }

  it('text with reasoning: create() and chat.completions.stream() give the same completion', async () => {
    const from = up.received.length
    const params = { model: ANTHROPIC_BACKED, messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'hi' }], temperature: 1.5 }
    const created = await client().chat.completions.create(params)
    const stream = client().chat.completions.stream({ ...params, stream_options: { include_usage: true } })
    const deltas: string[] = []
    stream.on('content.delta', ({ delta }) => deltas.push(delta))
    const streamed = await stream.finalChatCompletion()

    expect(essence(created)).toEqual({
      model: ANTHROPIC_BACKED,
      object: 'chat.completion',
      choices: 1,
      role: 'assistant',
      content: SCRIPT.plainText,
      reasoning_content: SCRIPT.reasoning,
      tool_calls: [],
      finish_reason: 'stop',
      usage: expectedUsage,
    })
    expect(essence(streamed, { reasoning: false })).toEqual(essence(created, { reasoning: false }))
    expect(deltas.join('')).toBe(SCRIPT.plainText)

    const seen = expectValidRequests(up, from, 'anthropic')
    expect(seen.map((r) => r.body.stream ?? false)).toEqual([false, true])
    for (const r of seen) {
      expect(r.body.system).toBe('Be brief.')
      expect(r.body.temperature).toBe(1) // clamped from OpenAI's 0-2 to Anthropic's 0-1
      expect(r.body.max_tokens).toBeGreaterThan(0)
    }
  })

  it('parallel tool calls: create() and stream() give the same tool_calls, ids and arguments', async () => {
    const from = up.received.length
    const params = { model: ANTHROPIC_BACKED, messages: [{ role: 'user' as const, content: QUESTION }], tools: [weatherTool], tool_choice: 'auto' as const, parallel_tool_calls: true }
    const created = await client().chat.completions.create(params)
    const stream = client().chat.completions.stream({ ...params, stream_options: { include_usage: true } })
    const done: string[] = []
    stream.on('tool_calls.function.arguments.done', (e) => done.push(`${e.index}:${e.name}:${e.arguments}`))
    const streamed = await stream.finalChatCompletion()

    const expectedCalls = SCRIPT.cities.map((city, i) => ({ id: SCRIPT.toolIds.anthropic[i]!, type: 'function' as const, name: 'get_weather', arguments: { city, unit: 'celsius' } }))
    expect(essence(created)).toEqual({
      model: ANTHROPIC_BACKED,
      object: 'chat.completion',
      choices: 1,
      role: 'assistant',
      content: SCRIPT.toolText,
      reasoning_content: SCRIPT.reasoning,
      tool_calls: expectedCalls,
      finish_reason: 'tool_calls',
      usage: expectedUsage,
    })
    expect(essence(streamed, { reasoning: false })).toEqual(essence(created, { reasoning: false }))
    expect(done).toEqual(SCRIPT.cities.map((city, i) => `${i}:get_weather:${JSON.stringify({ city, unit: 'celsius' })}`))

    for (const r of expectValidRequests(up, from, 'anthropic')) {
      expect(r.body.tools).toEqual([{ name: 'get_weather', description: 'Current weather of a city', input_schema: WEATHER_TOOL_SCHEMA }])
      expect(r.body.tool_choice).toEqual({ type: 'auto' }) // parallel_tool_calls: true is Anthropic's default
    }
  })

  it('a raw stream accumulated chunk by chunk matches too (include_usage off: no usage chunk)', async () => {
    const stream = await client().chat.completions.create({ model: ANTHROPIC_BACKED, messages: [{ role: 'user', content: QUESTION }], tools: [weatherTool], stream: true })
    let content = ''
    let reasoning = ''
    let finish: string | null = null
    let usageChunks = 0
    const calls: { id?: string; name?: string; args: string }[] = []
    for await (const chunk of stream) {
      if (chunk.usage) usageChunks++
      const choice = chunk.choices[0]
      if (!choice) continue
      const delta = choice.delta as OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }
      content += delta.content ?? ''
      reasoning += delta.reasoning_content ?? ''
      for (const t of delta.tool_calls ?? []) {
        const call = (calls[t.index] ??= { args: '' })
        if (t.id) call.id = t.id
        if (t.function?.name) call.name = t.function.name
        call.args += t.function?.arguments ?? ''
      }
      finish = choice.finish_reason ?? finish
    }
    expect({ content, reasoning, finish, usageChunks }).toEqual({ content: SCRIPT.toolText, reasoning: SCRIPT.reasoning, finish: 'tool_calls', usageChunks: 0 })
    expect(calls.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.args) }))).toEqual(
      SCRIPT.cities.map((city, i) => ({ id: SCRIPT.toolIds.anthropic[i]!, name: 'get_weather', args: { city, unit: 'celsius' } })),
    )
  })

  it('runTools completes the parallel tool loop, streaming and not; results merge into one user turn', async () => {
    for (const stream of [false, true]) {
      const from = up.received.length
      const ran: string[] = []
      const getWeather = (args: { city: string }) => {
        ran.push(args.city)
        return WEATHER[args.city]!
      }
      const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Current weather of a city', parameters: WEATHER_TOOL_SCHEMA, parse: JSON.parse, function: getWeather } }]
      const runner = stream
        ? client().chat.completions.runTools({ model: ANTHROPIC_BACKED, messages: [{ role: 'user', content: QUESTION }], tools, stream: true, stream_options: { include_usage: true } })
        : client().chat.completions.runTools({ model: ANTHROPIC_BACKED, messages: [{ role: 'user', content: QUESTION }], tools })
      const final = await runner.finalChatCompletion()
      expect(ran).toEqual([...SCRIPT.cities])
      expect(final.choices[0]!.message.content).toBe(EXPECTED_RESULTS)
      expect(final.choices[0]!.finish_reason).toBe('stop')
      expect(await runner.finalContent()).toBe(EXPECTED_RESULTS)

      const seen = expectValidRequests(up, from, 'anthropic')
      expect(seen.map((r) => r.reply)).toEqual(['tool_calls', 'tool_results_answer'])
      const sent = seen[1]!.body.messages as { role: string; content: Record<string, any>[] }[]
      expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
      expect(sent[1]!.content.filter((b) => b.type === 'tool_use').map((b) => [b.id, b.input])).toEqual(
        SCRIPT.cities.map((city, i) => [SCRIPT.toolIds.anthropic[i]!, { city, unit: 'celsius' }]),
      )
      expect(sent[2]!.content.map((b) => [b.type, b.tool_use_id])).toEqual(SCRIPT.toolIds.anthropic.map((id) => ['tool_result', id]))
    }
  })
})
