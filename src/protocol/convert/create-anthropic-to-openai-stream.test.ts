import { describe, expect, it } from 'bun:test'
import { anthropicWire, createRandom, loadFixture, runTransform, splitRandomly, streamFixtures } from '../../../test/helpers/replay-stream'
import { validateOpenAIStream } from '../../../test/helpers/validate-openai-stream'
import * as wire from '../../../test/helpers/llm-wire'
import { createAnthropicToOpenAIStream } from './create-anthropic-to-openai-stream'

const FIXTURES = streamFixtures('anthropic')
const encoder = new TextEncoder()

function transform(includeUsage: boolean, usages: unknown[] = []) {
  return createAnthropicToOpenAIStream({ model: 'claude-3-haiku', includeUsage, completionId: 'chatcmpl-test', created: 1700000000, onUsage: (u) => usages.push(u) })
}

async function replayWire(wire: string, includeUsage = true) {
  const usages: unknown[] = []
  const text = await runTransform(transform(includeUsage, usages), [encoder.encode(wire)])
  const payloads = text.split('\n\n').filter((e) => e !== '').map((e) => e.slice('data: '.length))
  const chunks = payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p) as Record<string, any>)
  return { text, chunks, usages }
}

const replay = (name: string, includeUsage = true) => replayWire(anthropicWire(loadFixture(name)), includeUsage)
const deltas = (chunks: Record<string, any>[]) => chunks.filter((c) => c.choices?.length > 0).map((c) => c.choices[0].delta)

describe('createAnthropicToOpenAIStream', () => {
  it('turns every recorded upstream stream into a valid Chat Completions stream ending in [DONE]', async () => {
    for (const name of FIXTURES) {
      for (const includeUsage of [true, false]) {
        const { text } = await replay(name, includeUsage)
        expect({ name, problems: validateOpenAIStream(text) }).toEqual({ name, problems: [] })
      }
    }
  })

  it('writes the same bytes whether the upstream arrives whole or cut at random byte boundaries', async () => {
    for (const name of FIXTURES) {
      const bytes = encoder.encode(anthropicWire(loadFixture(name)))
      const whole = await runTransform(transform(true), [bytes])
      for (let seed = 1; seed <= 100; seed++) {
        const cut = await runTransform(transform(true), splitRandomly(bytes, createRandom(seed)))
        if (cut !== whole) expect({ name, seed, cut }).toEqual({ name, seed, cut: whole })
      }
    }
  })

  it('starts with the assistant role, streams text as content and drops pings', async () => {
    const { chunks } = await replay('anthropic-text.jsonl')
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-test',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'claude-3-haiku',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      usage: null,
    })
    expect(deltas(chunks)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: '! héllo 👋' }, {}])
    expect(chunks.filter((c) => c.choices.length > 0).at(-1)!.choices[0].finish_reason).toBe('stop')
  })

  it('sends a final choices: [] usage chunk only when the client asked for it', async () => {
    const withUsage = await replay('anthropic-text.jsonl', true)
    expect(withUsage.chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 } })
    const without = await replay('anthropic-text.jsonl', false)
    expect(without.chunks.some((c) => c.choices.length === 0)).toBe(false)
    expect(without.chunks.some((c) => 'usage' in c)).toBe(false)
  })

  it('streams thinking as reasoning_content and drops the signature', async () => {
    const { chunks, text } = await replay('anthropic-thinking-tool-use.jsonl')
    expect(deltas(chunks).filter((d) => 'reasoning_content' in d).map((d) => d.reasoning_content).join('')).toBe(
      'I need to find the weather in Paris. Call get_weather.',
    )
    expect(text).not.toContain('EqQBCgIYAhIM')
  })

  it('streams a tool_use block as tool call 0 with id, name and argument fragments, and finishes with tool_calls', async () => {
    const { chunks } = await replay('anthropic-thinking-tool-use.jsonl')
    const calls = deltas(chunks).flatMap((d) => d.tool_calls ?? [])
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } })
    expect(JSON.parse(calls.map((c: any) => c.function.arguments).join(''))).toEqual({ location: 'Paris' })
    expect(chunks.filter((c) => c.choices.length > 0).at(-1)!.choices[0].finish_reason).toBe('tool_calls')
  })

  it('counts cache reads and writes into prompt_tokens and reports the reads as cached_tokens', async () => {
    const { chunks, usages } = await replay('anthropic-thinking-tool-use.jsonl')
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 4015, completion_tokens: 89, total_tokens: 4104, prompt_tokens_details: { cached_tokens: 1800 } })
    expect(usages).toEqual([{ input_tokens: 4015, output_tokens: 89, cache_read_tokens: 1800, cache_creation_tokens: 120 }])
  })

  it('numbers tool calls by tool, not by Anthropic block index', async () => {
    const { chunks } = await replay('anthropic-parallel-tool-use.jsonl')
    const first = deltas(chunks).flatMap((d) => d.tool_calls ?? []).filter((c: any) => c.id !== undefined)
    expect(first.map((c: any) => [c.index, c.function.name])).toEqual([
      [0, 'get_weather'],
      [1, 'get_time'],
    ])
    // Anthropic's empty first partial_json must not become an empty arguments chunk.
    expect(deltas(chunks).flatMap((d) => d.tool_calls ?? []).filter((c: any) => c.id === undefined && c.function.arguments === '')).toEqual([])
  })

  it('maps max_tokens to finish_reason length', async () => {
    const { chunks } = await replay('anthropic-max-tokens.jsonl')
    expect(chunks.filter((c) => c.choices.length > 0).at(-1)!.choices[0].finish_reason).toBe('length')
  })

  it('turns an upstream error event into an error chunk followed by [DONE]', async () => {
    const { chunks, text, usages } = await replay('anthropic-error-midstream.jsonl')
    expect(chunks.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', param: null, code: null } })
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(usages).toHaveLength(1)
  })

  it('reports a stream cut before message_stop as an error, not as a finished answer', async () => {
    const { chunks } = await replay('anthropic-truncated.jsonl')
    expect(chunks.at(-1)!.error.type).toBe('api_error')
    expect(chunks.some((c) => c.choices?.[0]?.finish_reason)).toBe(false)
  })

  it('turns a malformed event into an error chunk and ends cleanly', async () => {
    const { chunks, text } = await replayWire('event: message_start\ndata: {oops\n\n')
    expect(chunks).toEqual([{ error: { message: 'the upstream sent a malformed stream event', type: 'api_error', param: null, code: null } }])
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
  })

  it('ignores event types it does not know', async () => {
    const wire = anthropicWire([{ type: 'message_start', message: { usage: { input_tokens: 1 } } }, { type: 'brand_new_event', x: 1 }, { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }, { type: 'message_stop' }])
    const { text } = await replayWire(wire)
    expect(validateOpenAIStream(text)).toEqual([])
  })

  it('never hands the client half a tool call\'s arguments when the fake upstream stream is cut mid-call', async () => {
    const reply = { id: 'msg_cut', model: 'm', toolCalls: [{ id: 'toolu_cut', name: 'bash', arguments: ['{"command": "rm -rf /tm', 'p/build"}'] }] }
    const events = wire.anthropicStream(reply, { usage: { input_tokens: 10, output_tokens: 5 } })
    // message_start, content_block_start, the first fragment: then the connection closes.
    const { chunks } = await replayWire(events.slice(0, 3).join(''))
    const args = deltas(chunks).flatMap((d) => d.tool_calls ?? []).map((c: any) => c.function.arguments).join('')
    expect(args).not.toContain('rm -rf')
    expect(chunks.at(-1)!.error.type).toBe('api_error')
    // Whole, the same call arrives with its arguments complete.
    const whole = await replayWire(events.join(''))
    expect(JSON.parse(deltas(whole.chunks).flatMap((d) => d.tool_calls ?? []).map((c: any) => c.function.arguments).join(''))).toEqual({ command: 'rm -rf /tmp/build' })
  })

  it('gives a fake upstream\'s tool call without input the arguments {}, as the non-streamed answer does', async () => {
    const reply = { id: 'msg_noargs', model: 'm', toolCalls: [{ id: 'toolu_noargs', name: 'list_files', arguments: [''] }] }
    const events = wire.anthropicStream(reply, { usage: { input_tokens: 10, output_tokens: 5 } })
    const { chunks } = await replayWire(events.join(''))
    expect(deltas(chunks).flatMap((d) => d.tool_calls ?? []).map((c: any) => c.function.arguments).join('')).toBe('{}')
  })
})
