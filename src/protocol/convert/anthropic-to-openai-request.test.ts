import { describe, expect, it } from 'bun:test'
import claudeCodeRequest from '../../../test/fixtures/requests/claude-code-messages.json'
import { validateChatCompletionsRequest } from '../../../test/helpers/validate-chat-completions-request'
import { GatewayError } from '../../errors/gateway-error'
import { anthropicToOpenAIRequest, DROPPED_ANTHROPIC_FIELDS } from './anthropic-to-openai-request'

const base = { model: 'claude-opus-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }
const convert = (body: Record<string, unknown>, maxOutputTokens?: number) =>
  anthropicToOpenAIRequest(body, maxOutputTokens === undefined ? { model: 'Qwen/Qwen3-32B' } : { model: 'Qwen/Qwen3-32B', maxOutputTokens })
const messagesOf = (body: Record<string, unknown>) => convert({ ...base, ...body }).body.messages as Record<string, any>[]

describe('anthropicToOpenAIRequest', () => {
  it('converts a real Claude Code request into one a strict backend accepts', () => {
    const { body, warnings } = convert(structuredClone(claudeCodeRequest) as Record<string, unknown>, 32768)
    expect(validateChatCompletionsRequest(body)).toEqual([])
    expect(JSON.stringify(body)).not.toContain('cache_control')
    expect(body.max_completion_tokens).toBe(32768)
    expect((body.tools as unknown[]).length).toBe(12)
    expect(warnings.filter((w) => w.type === 'dropped-field')).toEqual([])
  })

  it('puts the upstream model id in the request', () => {
    expect(convert(base).body.model).toBe('Qwen/Qwen3-32B')
  })

  it('turns system text blocks into one leading system message', () => {
    const messages = messagesOf({ system: [{ type: 'text', text: 'A', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'B' }] })
    expect(messages[0]).toEqual({ role: 'system', content: 'A\n\nB' })
    expect(messagesOf({ system: 'plain' })[0]).toEqual({ role: 'system', content: 'plain' })
  })

  it('sends a mid-conversation system message as user text, since chat templates reject late system messages', () => {
    const messages = messagesOf({
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'system', content: 'note' },
        { role: 'user', content: 'three' },
      ],
    })
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(messages[2]!.content).toBe('note\n\nthree')
  })

  it('clamps max_tokens to the backend limit (Claude Code asks for up to 128k)', () => {
    const { body, warnings } = convert({ ...base, max_tokens: 128000 }, 8192)
    expect(body.max_completion_tokens).toBe(8192)
    expect(warnings).toContainEqual({ type: 'clamped', setting: 'max_tokens', from: 128000, to: 8192 })
    expect(convert({ ...base, max_tokens: 100 }, 8192).body.max_completion_tokens).toBe(100)
  })

  it('asks for usage in the stream when streaming', () => {
    expect(convert({ ...base, stream: true }).body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(convert(base).body.stream_options).toBeUndefined()
  })

  it('maps temperature, top_p and stop_sequences, keeping at most four stops', () => {
    const { body } = convert({ ...base, temperature: 0.3, top_p: 0.9, stop_sequences: ['a', 'b', 'c', 'd', 'e'] })
    expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, stop: ['a', 'b', 'c', 'd'] })
  })

  for (const field of DROPPED_ANTHROPIC_FIELDS) {
    it(`drops the Anthropic-only field \`${field}\` without a warning`, () => {
      const { body, warnings } = convert({ ...base, [field]: { type: 'enabled', budget_tokens: 2048, user_id: 'u' } })
      expect(field in body).toBe(false)
      expect(warnings).toEqual([])
    })
  }

  it('drops unknown top-level fields with a warning', () => {
    const { body, warnings } = convert({ ...base, brand_new_field: 1 })
    expect('brand_new_field' in body).toBe(false)
    expect(warnings).toEqual([{ type: 'dropped-field', field: 'brand_new_field' }])
  })

  it('strips cache_control with ttl or scope from every block', () => {
    const { body } = convert({
      ...base,
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', scope: 'session' } }] }],
      tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
    })
    expect(JSON.stringify(body)).not.toContain('cache_control')
  })

  it('converts tools and keeps their schemas', () => {
    const { body } = convert({ ...base, tools: [{ name: 'get', description: 'd', input_schema: { type: 'object', properties: { a: { type: 'string' } } } }] })
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }])
  })

  it('drops Anthropic server tools with a warning', () => {
    const { body, warnings } = convert({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] })
    expect(body.tools).toBeUndefined()
    expect(warnings).toEqual([{ type: 'dropped-content', kind: 'tool', contentType: 'web_search_20250305' }])
  })

  it('maps each tool_choice and disable_parallel_tool_use', () => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }]
    const choice = (tool_choice: unknown) => convert({ ...base, tools, tool_choice }).body
    expect(choice({ type: 'auto' }).tool_choice).toBe('auto')
    expect(choice({ type: 'any' }).tool_choice).toBe('required')
    expect(choice({ type: 'none' }).tool_choice).toBe('none')
    expect(choice({ type: 'tool', name: 't' }).tool_choice).toEqual({ type: 'function', function: { name: 't' } })
    expect(choice({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls).toBe(false)
    expect(convert({ ...base, tool_choice: { type: 'any' } }).body.tool_choice).toBeUndefined()
  })

  it('turns tool_use blocks into tool_calls with stringified input', () => {
    const messages = messagesOf({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] },
      ],
    })
    expect(messages[1]).toEqual({ role: 'assistant', content: 'ok', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] })
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'toolu_1', content: 'done' })
  })

  it('sends parallel tool results as consecutive tool messages before the rest of the user turn', () => {
    const messages = messagesOf({
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }, { type: 'tool_use', id: 'b', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'and then' }, { type: 'tool_result', tool_use_id: 'b', content: 'B' }, { type: 'tool_result', tool_use_id: 'a', content: 'A' }] },
      ],
    })
    expect(messages.slice(1).map((m) => [m.role, m.tool_call_id ?? m.content])).toEqual([
      ['assistant', null],
      ['tool', 'b'],
      ['tool', 'a'],
      ['user', 'and then'],
    ])
  })

  it('keeps parallel results that arrive in separate user messages answering the same call set', () => {
    const { body } = convert({
      ...base,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }, { type: 'tool_use', id: 'b', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'A' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'b', content: 'B' }] },
      ],
    })
    expect(validateChatCompletionsRequest(body)).toEqual([])
  })

  it('answers a tool call the history left without result with a placeholder', () => {
    const { body, warnings } = convert({
      ...base,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
        { role: 'user', content: 'never mind' },
      ],
    })
    expect(validateChatCompletionsRequest(body)).toEqual([])
    expect(warnings).toEqual([{ type: 'adapted', what: 'placeholder-tool-result' }])
  })

  it('carries is_error in the tool message text', () => {
    const messages = messagesOf({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', is_error: true, content: [{ type: 'text', text: 'boom' }] }] },
      ],
    })
    expect(messages[1]).toEqual({ role: 'tool', tool_call_id: 'a', content: 'Error: boom' })
  })

  it('moves images out of tool results into the following user message', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }
    const messages = messagesOf({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: 'shot' }, image] }] },
      ],
    })
    expect(messages[1]).toEqual({ role: 'tool', tool_call_id: 'a', content: 'shot' })
    expect(messages[2]).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }] })
  })

  it('turns base64 images into data URLs and keeps URL images', () => {
    const messages = messagesOf({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          ],
        },
      ],
    })
    expect(messages[0]!.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAA' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
    ])
  })

  it('sends text documents as text and drops PDFs with a warning', () => {
    const { body, warnings } = convert({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', title: 'Notes', source: { type: 'text', media_type: 'text/plain', data: 'hello' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' } },
          ],
        },
      ],
    })
    expect((body.messages as any[])[0].content).toBe('Notes\n\nhello')
    expect(warnings).toEqual([{ type: 'dropped-content', kind: 'document', contentType: 'base64' }])
  })

  it('drops thinking and redacted_thinking blocks from the history', () => {
    const { body } = convert({
      ...base,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'x' }, { type: 'text', text: 'a' }] },
        { role: 'user', content: 'q2' },
      ],
    })
    expect((body.messages as any[])[1]).toEqual({ role: 'assistant', content: 'a' })
    expect(JSON.stringify(body)).not.toContain('thinking')
  })

  it('leaves out an assistant message that held only thinking', () => {
    const messages = messagesOf({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm' }] }] })
    expect(messages).toEqual([{ role: 'user', content: 'q' }])
  })

  it('refuses a request whose messages is not an array', () => {
    expect(() => convert({ model: 'x', messages: 'hi' })).toThrow(GatewayError)
    let error: unknown
    try {
      convert({ model: 'x' })
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' })
  })

  it('refuses a message with an unknown role or content that is neither string nor blocks', () => {
    expect(() => convert({ ...base, messages: [{ role: 'robot', content: 'x' }] })).toThrow(GatewayError)
    expect(() => convert({ ...base, messages: [{ role: 'user', content: 5 }] })).toThrow(GatewayError)
  })

  it('refuses a message thread (server-held history), which an OpenAI backend cannot keep, with the code SDKs recover from', () => {
    for (const thread of [{ type: 'create' }, { type: 'continue', previous_message_id: 'msg_01' }]) {
      let error: unknown
      try {
        convert({ ...base, thread })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(GatewayError)
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'thread', code: 'thread_unsupported_request' })
    }
    // thread: null means no thread.
    expect(convert({ ...base, thread: null }).body.messages).toEqual([{ role: 'user', content: 'Hi' }])
  })
})
