import { describe, expect, test } from 'bun:test'
import { anthropicToOpenAIRequest } from '../protocol/convert/anthropic-to-openai-request'
import { openAIToAnthropicRequest } from '../protocol/convert/openai-to-anthropic-request'
import { loggableWarning } from './loggable-warning'

describe('translation warnings as logged', () => {
  test('keep plain names and blank anything a prompt could ride in, at most 80 characters', () => {
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
    const logged = warnings.map(loggableWarning)
    expect(logged.length).toBeGreaterThanOrEqual(6)
    expect(warnings.join('\n')).toMatch(/secret prompt/)
    expect(logged.join('\n')).not.toMatch(/secret prompt|CONFIDENTIAL/i)
    expect(logged.some((w) => w.includes('"image_of_the_future"'))).toBe(true)
    for (const w of logged) expect(w.length).toBeLessThanOrEqual(80)
  })

  test('blank a tool call id of an OpenAI request the same way', () => {
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
    expect(warnings.join('\n')).toMatch(/secret prompt/)
    expect(warnings.map(loggableWarning).join('\n')).not.toMatch(/secret prompt/)
  })
})
