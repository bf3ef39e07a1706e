import { describe, expect, it } from 'bun:test'
import { validateChatCompletionsRequest } from './validate-chat-completions-request'

const call = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } })

describe('validateChatCompletionsRequest', () => {
  it('accepts a well-formed request with answered tool calls', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'b', content: 'B' },
        { role: 'tool', tool_call_id: 'a', content: 'A' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,x' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { cache_control: { type: 'string' } } } } }],
    }
    expect(validateChatCompletionsRequest(body)).toEqual([])
  })

  it('flags Anthropic-only fields at the top and cache_control at any depth', () => {
    const problems = validateChatCompletionsRequest({
      model: 'm',
      output_config: {},
      context_management: {},
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    })
    expect(problems).toEqual(['Anthropic-only field `context_management`', 'Anthropic-only field `output_config`', '`cache_control` at messages.0.content.0.cache_control'])
  })

  it('flags a tool call left unanswered before the next user message', () => {
    const problems = validateChatCompletionsRequest({
      model: 'm',
      messages: [{ role: 'assistant', content: null, tool_calls: [call('a'), call('b')] }, { role: 'tool', tool_call_id: 'a', content: 'A' }, { role: 'user', content: 'u' }],
    })
    expect(problems).toEqual(['messages.2: tool calls b are not answered before this user message'])
  })

  it('flags a tool message that answers nothing, invalid roles and Anthropic blocks in content', () => {
    const problems = validateChatCompletionsRequest({
      model: 'm',
      messages: [{ role: 'tool', tool_call_id: 'z', content: 'x' }, { role: 'robot', content: 'x' }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a' }] }],
    })
    expect(problems).toHaveLength(3)
  })
})
