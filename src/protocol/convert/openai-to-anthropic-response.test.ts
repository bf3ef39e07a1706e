import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../../errors/gateway-error'
import { openAIToAnthropicResponse } from './openai-to-anthropic-response'

const completion = (message: Record<string, unknown>, finish_reason = 'stop', extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1,
  model: 'Qwen/Qwen3-32B',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason, ...extra }],
  usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
})
const convert = (body: unknown) => openAIToAnthropicResponse(body, { model: 'qwen3-32b' })

describe('openAIToAnthropicResponse', () => {
  it('builds an Anthropic message with the public model name and cache-aware usage', () => {
    expect(convert(completion({ content: 'Hello' }))).toEqual({
      id: 'msg_abc',
      type: 'message',
      role: 'assistant',
      model: 'qwen3-32b',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 60 },
    })
  })

  it('puts reasoning (or reasoning_content) in a thinking block before the text', () => {
    expect(convert(completion({ reasoning: 'hmm', content: 'A' })).content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: '' },
      { type: 'text', text: 'A' },
    ])
    expect((convert(completion({ reasoning_content: 'old', content: 'A' })).content as any[])[0].thinking).toBe('old')
  })

  it('turns tool_calls into tool_use blocks with parsed input, {} when invalid', () => {
    const body = completion(
      {
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'call_2', type: 'function', function: { name: 'g', arguments: 'oops' } },
        ],
      },
      'tool_calls',
    )
    const out = convert(body)
    expect(out.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
    ])
    expect(out.stop_reason).toBe('tool_use')
  })

  it('makes repeated tool call ids unique so each result can find its call', () => {
    const call = { id: 'same', type: 'function', function: { name: 'f', arguments: '{}' } }
    const out = convert(completion({ tool_calls: [call, call] }, 'tool_calls'))
    expect((out.content as Array<{ id: string }>).map((b) => b.id)).toEqual(['same', 'same_1'])
  })

  it('reports tool_use even when the backend said "stop"', () => {
    const body = completion({ tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'stop')
    expect(convert(body).stop_reason).toBe('tool_use')
  })

  it('maps length to max_tokens and content_filter to refusal', () => {
    expect(convert(completion({ content: 'x' }, 'length')).stop_reason).toBe('max_tokens')
    expect(convert(completion({ content: 'x' }, 'content_filter')).stop_reason).toBe('refusal')
  })

  it('reports vLLM\'s matched stop string as stop_sequence', () => {
    const out = convert(completion({ content: 'x' }, 'stop', { stop_reason: 'END' }))
    expect([out.stop_reason, out.stop_sequence]).toEqual(['stop_sequence', 'END'])
  })

  it('answers a malformed upstream body with a 502 GatewayError', () => {
    expect(() => convert('nope')).toThrow(GatewayError)
    expect(() => convert({ choices: 'x' })).toThrow(GatewayError)
  })
})
