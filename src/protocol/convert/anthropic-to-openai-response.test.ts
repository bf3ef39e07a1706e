import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../../errors/gateway-error'
import { anthropicToOpenAIResponse } from './anthropic-to-openai-response'

const message = (content: unknown[], stop_reason = 'end_turn') => ({
  id: 'msg_01X',
  type: 'message',
  role: 'assistant',
  model: 'claude-3-haiku-20240307',
  content,
  stop_reason,
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 },
})
const convert = (body: unknown) => anthropicToOpenAIResponse(body, { model: 'claude-3-haiku', created: 1700000000 })

describe('anthropicToOpenAIResponse', () => {
  it('builds a chat.completion with the public model name and cache-inclusive usage', () => {
    expect(convert(message([{ type: 'text', text: 'Hi' }]))).toEqual({
      id: 'chatcmpl-01X',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-3-haiku',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 115, completion_tokens: 7, total_tokens: 122, prompt_tokens_details: { cached_tokens: 100 } },
    })
  })

  it('puts thinking in reasoning_content and tool_use in tool_calls with stringified arguments', () => {
    const out = convert(
      message(
        [
          { type: 'thinking', thinking: 'plan', signature: 'sig' },
          { type: 'redacted_thinking', data: 'x' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
        ],
        'tool_use',
      ),
    ) as any
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        reasoning_content: 'plan',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    })
  })

  it('maps max_tokens to length', () => {
    expect((convert(message([{ type: 'text', text: 'x' }], 'max_tokens')) as any).choices[0].finish_reason).toBe('length')
  })

  it('answers a malformed upstream body with a 502 GatewayError', () => {
    expect(() => convert(null)).toThrow(GatewayError)
  })
})
