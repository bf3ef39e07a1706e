import { describe, expect, it } from 'bun:test'
import { validateAnthropicRequest } from '../../../test/helpers/validate-anthropic-request'
import { validateChatCompletionsRequest } from '../../../test/helpers/validate-chat-completions-request'
import { GatewayError } from '../../errors/gateway-error'
import { responsesToAnthropicRequest } from './responses-to-anthropic-request'
import { responsesToChatRequest } from './responses-to-chat-request'

const toChat = (body: Record<string, unknown>, maxOutputTokens?: number) => responsesToChatRequest(body, { model: 'up', target: 'chat', ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) })
const toAnthropic = (body: Record<string, unknown>) => responsesToAnthropicRequest(body, { model: 'up', defaultMaxTokens: 4096 })
const exec = { type: 'function', name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false }

/** A Codex request as 0.171 sends it, trimmed to one of each thing. */
const CODEX = {
  model: 'gpt-5-codex',
  instructions: undefined,
  input: [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>never ask</permissions instructions>' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>cwd /repo</environment_context>' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list the files' }] },
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }], content: null, encrypted_content: null },
    { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', call_id: 'call_1' },
    { type: 'function_call_output', call_id: 'call_1', output: 'a.txt\nb.txt' },
  ],
  tools: [
    exec,
    { type: 'namespace', name: 'goals', description: 'Goal tools', tools: [{ type: 'function', name: 'create', parameters: { type: 'object', properties: {} } }, { type: 'custom', name: 'freeform' }] },
    { type: 'web_search', external_web_access: false },
  ],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning: { effort: 'medium', summary: 'auto' },
  store: false,
  stream: true,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: '019ad2f1',
  client_metadata: { session: 'x' },
}

function refused(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (e) {
    if (e instanceof GatewayError) return e
    throw e
  }
  throw new Error('expected a 400')
}

describe('responsesToChatRequest', () => {
  it("turns Codex's request into a valid Chat Completions request: developer text as the system prompt, the call and its output as a tool round", () => {
    const { body, warnings, namespaced } = toChat(CODEX as Record<string, unknown>, 8192)
    expect(validateChatCompletionsRequest(body)).toEqual([])
    expect(body.messages).toEqual([
      { role: 'system', content: '<permissions instructions>never ask</permissions instructions>' },
      { role: 'user', content: '<environment_context>cwd /repo</environment_context>' },
      { role: 'user', content: 'list the files' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'a.txt\nb.txt' },
    ])
    expect((body.tools as any[]).map((t) => t.function.name)).toEqual(['exec_command', 'goals__create'])
    expect(body).toMatchObject({ model: 'up', tool_choice: 'auto', parallel_tool_calls: true, reasoning_effort: 'medium', stream: true, stream_options: { include_usage: true }, max_completion_tokens: 8192 })
    expect(namespaced).toEqual(new Map([['goals__create', { namespace: 'goals', name: 'create' }]]))
    // The web search tool and the custom tool are dropped, the namespace flattened, the reasoning left out, each said.
    expect(warnings).toEqual(
      expect.arrayContaining([
        { type: 'dropped-content', kind: 'tool', contentType: 'web_search' },
        { type: 'dropped-content', kind: 'tool', contentType: 'custom' },
        { type: 'adapted', what: 'namespace-tools-flattened', count: 1 },
        { type: 'adapted', what: 'thinking-dropped-from-history', count: 1 },
      ]),
    )
    expect(warnings.some((w) => w.type === 'dropped-field')).toBe(false)
  })

  it('takes a plain string input and instructions, clamps max_output_tokens and maps the text format', () => {
    const { body, warnings } = toChat({ model: 'm', input: 'hi', instructions: 'Be brief.', max_output_tokens: 100000, temperature: 0.2, text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } } }, 4096)
    expect(body).toEqual({
      model: 'up',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      max_completion_tokens: 4096,
      temperature: 0.2,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    })
    expect(warnings).toContainEqual({ type: 'clamped', setting: 'max_tokens', from: 100000, to: 4096 })
  })

  it('sends a developer message from the middle of the conversation as user text, and images as image parts', () => {
    const { body } = toChat({
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'high' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'A cat.' }] },
        { role: 'developer', content: 'Now be terse.' },
        { role: 'user', content: 'and now?' },
      ],
    })
    expect(validateChatCompletionsRequest(body)).toEqual([])
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } }] },
      { role: 'assistant', content: 'A cat.' },
      { role: 'user', content: 'Now be terse.' },
      { role: 'user', content: 'and now?' },
    ])
  })

  it('groups parallel calls into one assistant message, answers a call left unanswered, and puts result images after the results', () => {
    const { body, warnings } = toChat({
      model: 'm',
      input: [
        { role: 'user', content: 'go' },
        { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'b', name: 'view_image', namespace: 'img', arguments: '{"path":"x.png"}' },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'b', output: [{ type: 'input_text', text: 'image:' }, { type: 'input_image', image_url: 'https://example.com/x.png' }] },
        { type: 'function_call_output', call_id: 'a', output: 'done' },
        { role: 'user', content: 'thanks' },
      ],
    })
    expect(validateChatCompletionsRequest(body)).toEqual([])
    const messages = body.messages as any[]
    expect(messages[1].tool_calls.map((c: any) => [c.id, c.function.name])).toEqual([
      ['a', 'f'],
      ['b', 'img__view_image'],
      ['c', 'f'],
    ])
    expect(messages.slice(2).map((m) => [m.role, m.tool_call_id ?? m.content])).toEqual([
      ['tool', 'b'],
      ['tool', 'a'],
      ['tool', 'c'],
      ['user', [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }]],
      ['user', 'thanks'],
    ])
    expect(warnings).toContainEqual({ type: 'adapted', what: 'placeholder-tool-result' })
  })

  it('refuses what cannot be translated with a 400 that names the field, and what is only bookkeeping it drops', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'm', input: 'hi', previous_response_id: 'resp_1' }, 'previous_response_id'],
      [{ model: 'm', input: 'hi', conversation: 'conv_1' }, 'conversation'],
      [{ model: 'm', input: 'hi', prompt: { id: 'pmpt_1' } }, 'prompt'],
      [{ model: 'm', input: 'hi', background: true }, 'background'],
      [{ model: 'm', input: 42 }, 'input'],
      [{ model: 'm', input: [{ type: 'mystery_item' }] }, 'input[0].type'],
      [{ model: 'm', input: ['just a string'] }, 'input[0]'],
      [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]'],
      [{ model: 'm', input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] }, 'input[0].call_id'],
      [{ model: 'm', input: [{ role: 'wizard', content: 'x' }] }, 'input[0].role'],
      [{ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: 'not a schema' }] }, 'tools[0].parameters'],
      [{ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: { type: 'string' } }] }, 'tools[0].parameters'],
      [{ model: 'm', input: 'hi', tools: [{ type: 'function', parameters: {} }] }, 'tools[0].name'],
      [{ model: 'm', input: 'hi', tools: [exec, exec] }, 'tools[1]'],
      [{ model: 'm', input: 'hi', tools: [exec, { type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'tool_choice'],
      [{ model: 'm', input: 'hi', tools: [{ type: 'file_search' }], tool_choice: 'required' }, 'tool_choice'],
      [{ model: 'm', input: 'hi', tools: [exec], tool_choice: { type: 'function', name: 'other' } }, 'tool_choice'],
    ]
    for (const [body, param] of cases) {
      const e = refused(() => toChat(body))
      expect({ param: e.param, status: e.status, type: e.type }).toEqual({ param, status: 400, type: 'invalid_request_error' })
    }
    expect(refused(() => toChat({ model: 'm', input: 'hi', previous_response_id: 'resp_1' })).message).toContain('keeps no conversation state')
  })

  it('accepts a function_call_output only after its call, and only once', () => {
    const call = { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' }
    const out = { type: 'function_call_output', call_id: 'a', output: 'x' }
    expect(refused(() => toChat({ model: 'm', input: [out, call] })).message).toContain('matches no function_call before it')
    expect(refused(() => toChat({ model: 'm', input: [call, out, out] })).message).toContain('already answered')
  })

  it('never quotes more than a few dozen characters of what the client sent in a 400', () => {
    const long = 'x'.repeat(100_000)
    for (const body of [
      { model: 'm', input: [{ type: long }] },
      { model: 'm', input: [{ role: long, content: 'x' }] },
      { model: 'm', input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: long, output: 'x' }] },
      { model: 'm', input: [{ type: { nested: long } }] },
    ]) {
      expect(refused(() => toChat(body)).message.length).toBeLessThan(200)
    }
  })

  it('keeps only allowed tools for an allowed_tools choice', () => {
    const other = { ...exec, name: 'other' }
    const { body } = toChat({ model: 'm', input: 'hi', tools: [exec, other], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'other' }] } })
    expect((body.tools as any[]).map((t) => t.function.name)).toEqual(['other'])
    expect(body.tool_choice).toBe('required')
  })
})

describe('responsesToAnthropicRequest', () => {
  it("turns Codex's request into a valid Messages request", () => {
    const { body } = toAnthropic(CODEX as Record<string, unknown>)
    expect(validateAnthropicRequest(body)).toEqual([])
    expect(body.system).toBe('<permissions instructions>never ask</permissions instructions>')
    expect((body.tools as any[]).map((t) => t.name)).toEqual(['exec_command', 'goals__create'])
    expect(body.max_tokens).toBe(4096)
  })

  it('gives a tool-using turn its signed thinking back, in front of the calls, and turns on thinking for a reasoning effort', () => {
    const input = [
      { role: 'user', content: 'run it' },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'I will run it.' }], encrypted_content: 'sig_abc' },
      { type: 'function_call', call_id: 'toolu_1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
    ]
    const { body } = toAnthropic({ model: 'm', input, tools: [exec], reasoning: { effort: 'low' }, max_output_tokens: 8000 })
    expect(validateAnthropicRequest(body)).toEqual([])
    expect((body.messages as any[])[1].content.map((b: any) => b.type)).toEqual(['thinking', 'tool_use'])
    expect((body.messages as any[])[1].content[0]).toEqual({ type: 'thinking', thinking: 'I will run it.', signature: 'sig_abc' })
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 })
  })

  it('turns thinking off for a tool-using turn that has no signed thinking to give back', () => {
    const input = [
      { role: 'user', content: 'run it' },
      { type: 'function_call', call_id: 'toolu_1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
    ]
    const { body, warnings } = toAnthropic({ model: 'm', input, tools: [exec], reasoning: { effort: 'high' }, max_output_tokens: 20000 })
    expect(body.thinking).toBeUndefined()
    expect(warnings).toContainEqual({ type: 'adapted', what: 'thinking-dropped-for-unsigned-tool-turn' })
  })

  it('keeps a PDF as a document', () => {
    const { body } = toAnthropic({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }, { type: 'input_text', text: 'summarise' }] }] })
    expect(validateAnthropicRequest(body)).toEqual([])
    expect((body.messages as any[])[0].content[0]).toEqual({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } })
  })
})
