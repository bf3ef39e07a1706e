import { describe, expect, it } from 'bun:test'
import { validateAnthropicEvents } from '../../../test/helpers/validate-anthropic-stream'
import { createRandom, loadFixture, openAIWire, parseEvents, parseSSE, runTransform, splitRandomly, streamFixtures } from '../../../test/helpers/replay-stream'
import { createOpenAIToAnthropicStream, unescapedLength } from './create-openai-to-anthropic-stream'

const FIXTURES = streamFixtures('openai')
const encoder = new TextEncoder()

function transform(usages: unknown[] = []) {
  return createOpenAIToAnthropicStream({ model: 'qwen3-32b', inputTokens: 777, messageId: 'msg_test', onUsage: (u) => usages.push(u) })
}

async function replayWire(wire: string) {
  const usages: unknown[] = []
  const text = await runTransform(transform(usages), [encoder.encode(wire)])
  return { text, events: await parseEvents(text), usages }
}

const replay = (name: string) => replayWire(openAIWire(loadFixture(name)))
const ofType = (events: Awaited<ReturnType<typeof replayWire>>['events'], type: string) => events.filter((e) => e.event === type).map((e) => e.data)

describe('unescapedLength', () => {
  it('counts the characters JSON.parse would give, for random text with escapes, quotes, control and astral characters', () => {
    const random = createRandom(7)
    const alphabet = ['a', 'é', '"', '\\', '\n', '\t', '\u0001', '\u2028', '😀', '/', 'u', ' ', '\ud800']
    for (let n = 0; n < 2_000; n++) {
      let text = ''
      const length = Math.floor(random() * 30)
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]
      const body = JSON.stringify(text).slice(1, -1)
      expect(unescapedLength(body)).toBe(text.length)
    }
  })
})

describe('createOpenAIToAnthropicStream', () => {
  it('estimates output tokens from the text, not its escapes, on the fast path as on the full parse', async () => {
    const chunk = (delta: string) => `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`
    const end = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    // 40 characters written as \u escapes (240 bytes of JSON): the fast path reads this chunk.
    const escaped = await replayWire(chunk(`{"content":"${'\\u00e9'.repeat(40)}"}`) + end)
    // The same text in a chunk the fast path does not take (a role beside the content).
    const parsed = await replayWire(chunk(`{"role":"assistant","content":"${'é'.repeat(40)}"}`) + end)
    expect(escaped.usages).toEqual([{ input_tokens: 777, output_tokens: 10 }])
    expect(parsed.usages).toEqual(escaped.usages)
  })

  it('turns every recorded upstream stream into a valid Anthropic event sequence', async () => {
    for (const name of FIXTURES) {
      const { text } = await replay(name)
      expect({ name, problems: validateAnthropicEvents(await parseSSE(text)) }).toEqual({ name, problems: [] })
    }
  })

  it('writes the same bytes whether the upstream arrives whole or cut at random byte boundaries', async () => {
    for (const name of FIXTURES) {
      const bytes = encoder.encode(openAIWire(loadFixture(name)))
      const whole = await runTransform(transform(), [bytes])
      for (let seed = 1; seed <= 100; seed++) {
        const cut = await runTransform(transform(), splitRandomly(bytes, createRandom(seed)))
        if (cut !== whole) expect({ name, seed, cut }).toEqual({ name, seed, cut: whole })
      }
    }
  })

  it('streams text in one text block and reports cached tokens apart from input tokens', async () => {
    const { events, usages } = await replay('openai-text.jsonl')
    const start = ofType(events, 'message_start')[0]!.message as Record<string, unknown>
    expect(start).toMatchObject({ id: 'msg_test', model: 'qwen3-32b', content: [], usage: { input_tokens: 777, output_tokens: 0 } })
    expect(ofType(events, 'content_block_start')).toEqual([{ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }])
    const text = ofType(events, 'content_block_delta').map((d) => (d.delta as { text: string }).text).join('')
    expect(text).toBe('Hello! How can I help you today, héllo 👋?')
    expect(ofType(events, 'message_delta')[0]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 210, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024 },
    })
    expect(events.at(-1)!.event).toBe('message_stop')
    expect(usages).toEqual([{ input_tokens: 1234, output_tokens: 12, cache_read_tokens: 1024 }])
  })

  it('sends message_start exactly once, before anything else, even when every chunk repeats the role', async () => {
    const chunks = [0, 1, 2].map((i) => ({ choices: [{ index: 0, delta: { role: 'assistant', content: `p${i}` } }] }))
    const { events } = await replayWire(openAIWire([...chunks, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }, '[DONE]']))
    expect(events[0]!.event).toBe('message_start')
    expect(ofType(events, 'message_start')).toHaveLength(1)
    expect(ofType(events, 'content_block_start')).toHaveLength(1)
  })

  it('streams parallel tool calls as consecutive tool_use blocks whose input arrives as input_json_delta', async () => {
    const { events } = await replay('openai-parallel-tool-calls.jsonl')
    const starts = ofType(events, 'content_block_start')
    expect(starts.map((s) => s.content_block)).toEqual([
      { type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: {} },
      { type: 'tool_use', id: 'call_ABxuxhtp9UxJ7Ek0hT6z1N9u', name: 'get_time', input: {} },
    ])
    const inputOf = (index: number) =>
      JSON.parse(
        ofType(events, 'content_block_delta')
          .filter((d) => d.index === index)
          .map((d) => (d.delta as { partial_json: string }).partial_json)
          .join(''),
      )
    // Bug shipped elsewhere: tool_use blocks whose input stayed {}.
    expect(inputOf(0)).toEqual({ location: 'Paris, France' })
    expect(inputOf(1)).toEqual({ timezone: 'Europe/Paris' })
    expect((ofType(events, 'message_delta')[0]!.delta as { stop_reason: string }).stop_reason).toBe('tool_use')
  })

  it('puts vLLM reasoning in its own thinking block before the text block, never inside it', async () => {
    const { events } = await replay('vllm-reasoning-tool-call.jsonl')
    const starts = ofType(events, 'content_block_start').map((s) => [s.index, (s.content_block as { type: string }).type])
    expect(starts).toEqual([
      [0, 'thinking'],
      [1, 'text'],
      [2, 'tool_use'],
    ])
    const deltas = ofType(events, 'content_block_delta')
    expect(deltas.filter((d) => d.index === 0).every((d) => (d.delta as { type: string }).type === 'thinking_delta')).toBe(true)
    expect(deltas.filter((d) => d.index === 1).every((d) => (d.delta as { type: string }).type === 'text_delta')).toBe(true)
    expect(deltas.filter((d) => d.index === 0).map((d) => (d.delta as { thinking: string }).thinking).join('')).toBe(
      'The user wants the weather in Paris. I should call get_weather.',
    )
  })

  it('reads the older reasoning_content field as thinking too', async () => {
    const { events } = await replay('vllm-reasoning-content-legacy.jsonl')
    expect(ofType(events, 'content_block_start').map((s) => (s.content_block as { type: string }).type)).toEqual(['thinking', 'text'])
  })

  it('ignores empty tool_calls arrays beside content instead of opening a tool block', async () => {
    const { events } = await replay('split-content-finish.jsonl')
    const deltas = ofType(events, 'content_block_delta').map((d) => d.delta)
    expect(deltas).toEqual([
      { type: 'text_delta', text: 'Sure' },
      { type: 'text_delta', text: ', here it is.' },
    ])
  })

  it('sends the text of a chunk that also carries finish_reason before closing the block', async () => {
    const { events } = await replay('split-content-finish.jsonl')
    const types = events.map((e) => e.event)
    expect(types.slice(-5)).toEqual(['content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
  })

  it('waits for the usage chunk that follows finish_reason before message_delta', async () => {
    const { events } = await replay('vllm-reasoning-tool-call.jsonl')
    expect(ofType(events, 'message_delta')[0]!.usage).toMatchObject({ input_tokens: 845, output_tokens: 61 })
  })

  it('reports the stop string vLLM names as stop_sequence', async () => {
    const { events } = await replay('vllm-stop-sequence.jsonl')
    expect(ofType(events, 'message_delta')[0]!.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'three' })
  })

  it('finishes at [DONE] with the estimate when the backend sends no usage', async () => {
    const { events, usages } = await replay('finish-without-usage.jsonl')
    const delta = ofType(events, 'message_delta')[0]!
    expect(delta.delta).toEqual({ stop_reason: 'max_tokens', stop_sequence: null })
    expect((delta.usage as { input_tokens: number }).input_tokens).toBe(777)
    expect(usages).toHaveLength(1)
  })

  it('closes open blocks and ends with message_stop when the upstream stops without finish_reason', async () => {
    const { events } = await replay('truncated-no-finish.jsonl')
    expect(events.map((e) => e.event).slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
  })

  it('turns an upstream error chunk into a final Anthropic error event', async () => {
    const { events, usages } = await replay('openai-error-midstream.jsonl')
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'api_error', message: 'The server had an error while processing your request.' } },
    })
    expect(ofType(events, 'message_stop')).toHaveLength(0)
    expect(usages).toHaveLength(1)
  })

  it('reads vLLM\'s bare {"object":"error"} chunk as an error', async () => {
    const { events } = await replay('vllm-error-object.jsonl')
    expect(events.at(-1)!.data).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })

  it('turns a malformed chunk into an error event and ends cleanly', async () => {
    const { events } = await replayWire('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: {not json\n\ndata: [DONE]\n\n')
    expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error'])
  })

  it('answers an empty upstream stream with an empty, well-formed message', async () => {
    const { events, usages } = await replayWire('')
    expect(events.map((e) => e.event)).toEqual(['message_start', 'message_delta', 'message_stop'])
    expect(usages).toEqual([{ input_tokens: 777, output_tokens: 0 }])
  })

  it('opens a tool_use block only once the call has a name, keeping the arguments that came first', async () => {
    const chunks = [
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call.1:x', function: { arguments: '{"a"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: ':1}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]
    const { events } = await replayWire(openAIWire(chunks))
    expect(ofType(events, 'content_block_start')[0]!.content_block).toEqual({ type: 'tool_use', id: 'call_1_x', name: 'f', input: {} })
    expect(ofType(events, 'content_block_delta').map((d) => (d.delta as { partial_json: string }).partial_json).join('')).toBe('{"a":1}')
  })

  it('sends a tool call\'s arguments as one input_json_delta when its block closes', async () => {
    const { events } = await replay('openai-parallel-tool-calls.jsonl')
    const deltas = ofType(events, 'content_block_delta').map((d) => [d.index, (d.delta as { partial_json: string }).partial_json])
    expect(deltas).toEqual([
      [0, '{"location": "Paris, France"}'],
      [1, '{"timezone": "Europe/Paris"}'],
    ])
  })

  it('never hands the client a cut-off prefix of tool arguments: a truncated call arrives with input {}', async () => {
    const chunks = [{ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'Bash', arguments: '{"command": "rm -rf /tmp/x' } }] } }] }]
    const { events, text } = await replayWire(openAIWire(chunks))
    expect(ofType(events, 'content_block_start')[0]!.content_block).toEqual({ type: 'tool_use', id: 'c1', name: 'Bash', input: {} })
    expect(ofType(events, 'content_block_delta')).toEqual([])
    expect(text).not.toContain('rm -rf')
  })

  it('forces stop_reason tool_use when a backend ends a tool call with "stop"', async () => {
    const chunks = [
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{}' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]
    const { events } = await replayWire(openAIWire(chunks))
    expect((ofType(events, 'message_delta')[0]!.delta as { stop_reason: string }).stop_reason).toBe('tool_use')
  })

  it('ignores choices other than the first', async () => {
    const chunks = [{ choices: [{ index: 1, delta: { content: 'other' } }, { index: 0, delta: { content: 'mine' } }] }]
    const { events } = await replayWire(openAIWire(chunks))
    expect(ofType(events, 'content_block_delta').map((d) => d.delta)).toEqual([{ type: 'text_delta', text: 'mine' }])
  })
})
