import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../../errors/gateway-error'
import { DROPPED_OPENAI_FIELDS, openAIToAnthropicRequest } from './openai-to-anthropic-request'

const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }
const convert = (body: Record<string, unknown>, maxOutputTokens?: number) =>
  openAIToAnthropicRequest(body, { model: 'claude-3-haiku-20240307', defaultMaxTokens: 4096, ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) })
const messagesOf = (body: Record<string, unknown>) => convert({ ...base, ...body }).body.messages as Record<string, any>[]

describe('openAIToAnthropicRequest', () => {
  it('puts the upstream model id and a default max_tokens in the request', () => {
    expect(convert(base).body).toEqual({ model: 'claude-3-haiku-20240307', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] })
  })

  it('lifts every system and developer message into system, wherever it sits', () => {
    const { body } = convert({
      ...base,
      messages: [
        { role: 'system', content: 'A' },
        { role: 'user', content: 'u' },
        { role: 'developer', content: [{ type: 'text', text: 'B' }] },
      ],
    })
    expect(body.system).toBe('A\n\nB')
    expect((body.messages as unknown[]).length).toBe(1)
  })

  it('prefers max_completion_tokens over max_tokens and clamps to the backend limit', () => {
    expect(convert({ ...base, max_tokens: 100, max_completion_tokens: 200 }).body.max_tokens).toBe(200)
    expect(convert({ ...base, max_tokens: 100 }).body.max_tokens).toBe(100)
    expect(convert({ ...base, max_tokens: 100000 }, 8192).body.max_tokens).toBe(8192)
  })

  it('clamps temperature to Anthropic\'s 0-1 range with a warning', () => {
    const { body, warnings } = convert({ ...base, temperature: 1.7 })
    expect(body.temperature).toBe(1)
    expect(warnings).toEqual([{ type: 'clamped', setting: 'temperature', from: 1.7, to: 1 }])
    expect(convert({ ...base, temperature: 0.2 }).body.temperature).toBe(0.2)
  })

  it('turns stop into stop_sequences, dropping whitespace-only ones', () => {
    expect(convert({ ...base, stop: 'END' }).body.stop_sequences).toEqual(['END'])
    const { body, warnings } = convert({ ...base, stop: ['a', ' ', '\n'] })
    expect(body.stop_sequences).toEqual(['a'])
    expect(warnings).toEqual([{ type: 'adapted', what: 'empty-stop-sequences-dropped' }])
  })

  it('converts function tools, giving tools without parameters an empty object schema', () => {
    const { body } = convert({
      ...base,
      tools: [
        { type: 'function', function: { name: 'get', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } },
        { type: 'function', function: { name: 'ping' } },
      ],
    })
    expect(body.tools).toEqual([
      { name: 'get', description: 'd', input_schema: { type: 'object', properties: { a: { type: 'string' } } } },
      { name: 'ping', input_schema: { type: 'object', properties: {} } },
    ])
  })

  it('maps each tool_choice, and parallel_tool_calls: false to disable_parallel_tool_use', () => {
    const tools = [{ type: 'function', function: { name: 't' } }]
    const choice = (extra: Record<string, unknown>) => convert({ ...base, tools, ...extra }).body.tool_choice
    expect(choice({ tool_choice: 'auto' })).toEqual({ type: 'auto' })
    expect(choice({ tool_choice: 'required' })).toEqual({ type: 'any' })
    expect(choice({ tool_choice: 'none' })).toEqual({ type: 'none' })
    expect(choice({ tool_choice: { type: 'function', function: { name: 't' } } })).toEqual({ type: 'tool', name: 't' })
    expect(choice({ parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(choice({ tool_choice: 'required', parallel_tool_calls: false })).toEqual({ type: 'any', disable_parallel_tool_use: true })
    expect(choice({})).toBeUndefined()
  })

  it('turns assistant tool_calls into tool_use blocks with parsed input, {} when invalid or empty', () => {
    const messages = messagesOf({
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
            { id: 'call_2', type: 'function', function: { name: 'g', arguments: '' } },
            { id: 'call_3', type: 'function', function: { name: 'h', arguments: '{broken' } },
          ],
        },
      ],
    })
    expect(messages[1]!.content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
      { type: 'tool_use', id: 'call_3', name: 'h', input: {} },
    ])
  })

  it('merges consecutive tool messages and the following user message into one user turn, results first', () => {
    const messages = messagesOf({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'a', content: 'A' },
        { role: 'tool', tool_call_id: 'b', content: [{ type: 'text', text: 'B' }] },
        { role: 'user', content: 'next' },
      ],
    })
    expect(messages).toHaveLength(3)
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: 'A' },
        { type: 'tool_result', tool_use_id: 'b', content: 'B' },
        { type: 'text', text: 'next' },
      ],
    })
  })

  it('sanitises tool ids the same way on the call and on its result', () => {
    const messages = messagesOf({
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call.1:x', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call.1:x', content: 'ok' },
      ],
    })
    expect(messages[0]!.content[0].id).toBe('call_1_x')
    expect(messages[1]!.content[0].tool_use_id).toBe('call_1_x')
  })

  it('turns image_url parts into base64 or url image sources', () => {
    const messages = messagesOf({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.jpg', detail: 'high' } },
          ],
        },
      ],
    })
    expect(messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
    ])
  })

  it('skips empty assistant text, which Anthropic rejects', () => {
    const messages = messagesOf({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '' }, { role: 'user', content: 'r' }] })
    expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }, { type: 'text', text: 'r' }] }])
  })

  it('refuses n greater than 1', () => {
    expect(() => convert({ ...base, n: 2 })).toThrow(GatewayError)
    expect(convert({ ...base, n: 1 }).warnings).toEqual([])
  })

  it('turns response_format json into a system instruction with a warning', () => {
    const { body, warnings } = convert({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } })
    expect(body.system).toContain('{"type":"object"}')
    expect(warnings).toContainEqual({ type: 'adapted', what: 'response-format-as-system-instruction' })
  })

  it('maps reasoning_effort to a thinking budget below max_tokens and drops temperature', () => {
    const { body } = convert({ ...base, reasoning_effort: 'medium', max_tokens: 10000, temperature: 0.5 })
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(body.temperature).toBeUndefined()
    expect(convert({ ...base, reasoning_effort: 'high', max_tokens: 2000 }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 1999 })
    expect(convert({ ...base, reasoning_effort: 'low', max_tokens: 1000 }).body.thinking).toBeUndefined()
    expect(convert({ ...base, reasoning_effort: 'minimal' }).body.thinking).toBeUndefined()
    // Names of Object.prototype members are not efforts either (no `budget_tokens: null` upstream).
    for (const effort of ['constructor', '__proto__', 'toString']) {
      const out = convert({ ...base, reasoning_effort: effort, temperature: 0.5 }).body
      expect({ effort, thinking: out.thinking, temperature: out.temperature }).toEqual({ effort, thinking: undefined, temperature: 0.5 })
    }
  })

  it('passes stream through and leaves stream_options behind', () => {
    const { body } = convert({ ...base, stream: true, stream_options: { include_usage: true } })
    expect(body.stream).toBe(true)
    expect(body.stream_options).toBeUndefined()
  })

  it('maps user to metadata.user_id', () => {
    expect(convert({ ...base, user: 'alice' }).body.metadata).toEqual({ user_id: 'alice' })
  })

  for (const field of DROPPED_OPENAI_FIELDS) {
    it(`drops the OpenAI platform field \`${field}\` without a warning`, () => {
      const { body, warnings } = convert({ ...base, [field]: 'x' })
      expect(field in body).toBe(false)
      expect(warnings).toEqual([])
    })
  }

  it('drops unsupported fields such as frequency_penalty with a warning', () => {
    const { body, warnings } = convert({ ...base, frequency_penalty: 0.5, seed: 1 })
    expect('frequency_penalty' in body || 'seed' in body).toBe(false)
    expect(warnings).toEqual([
      { type: 'dropped-field', field: 'frequency_penalty' },
      { type: 'dropped-field', field: 'seed' },
    ])
  })

  it('refuses messages that are not an array or hold an unknown role', () => {
    expect(() => convert({ model: 'x' })).toThrow(GatewayError)
    expect(() => convert({ ...base, messages: [{ role: 'robot', content: 'x' }] })).toThrow(GatewayError)
  })
})
