import { describe, expect, test } from 'bun:test'
import { anthropicToOpenAIRequest } from './convert/anthropic-to-openai-request'
import { openAIToAnthropicRequest } from './convert/openai-to-anthropic-request'
import { loggableName, loggableWarning } from './translation-warning'

describe('translation warnings as logged', () => {
  test('keep plain names and blank anything a prompt could ride in', () => {
    const { warnings } = anthropicToOpenAIRequest(
      {
        model: 'm',
        max_tokens: 10,
        'My secret prompt as a field name': 1,
        tools: [{ type: 'computer', name: 'my secret prompt as a tool name' }],
        messages: [
          { role: 'user', content: [{ type: { text: 'MY CONFIDENTIAL PROMPT' } }, { type: 'image_of_the_future', x: 1 }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'the secret prompt as an id', name: 't', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'another secret prompt as an id', content: 'r' }] },
        ],
      },
      { model: 'm' },
    )
    expect(JSON.stringify(warnings)).toMatch(/secret prompt/)
    const logged = JSON.stringify(warnings.map(loggableWarning))
    expect(logged).not.toMatch(/secret prompt|CONFIDENTIAL/i)
    expect(warnings.map(loggableWarning)).toContainEqual({ type: 'dropped-content', kind: 'block', contentType: 'image_of_the_future', message: 0 })
    expect(warnings.map(loggableWarning)).toContainEqual({ type: 'dropped-field', field: '…' })
    expect(warnings.map(loggableWarning)).toContainEqual({ type: 'dropped-content', kind: 'tool', contentType: 'computer' })
  })

  test('carry no tool call id of an OpenAI request at all', () => {
    const { warnings } = openAIToAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'a secret prompt as a call id', type: 'function', function: { name: 't', arguments: 'not json' } }] },
          { role: 'tool', tool_call_id: 'a secret prompt as a call id', content: 'r' },
        ],
      },
      { model: 'm', defaultMaxTokens: 100 },
    )
    expect(warnings).toEqual([{ type: 'adapted', what: 'tool-arguments-not-an-object', message: 1 }])
  })

  test('keep a name only when it is a plain identifier of at most 40 characters', () => {
    expect(loggableName('web_search_20250305')).toBe('web_search_20250305')
    expect(loggableName('a'.repeat(41))).toBe('…')
    expect(loggableName('two words')).toBe('…')
    expect(loggableName('{"x":1}')).toBe('…')
    expect(loggableName(42)).toBe('…')
  })
})
