import { describe, expect, test } from 'bun:test'
import { anthropicToOpenAIRequest } from '../protocol/convert/anthropic-to-openai-request'
import { loggableWarning } from './proxy-llm-request'

describe('translation warnings as logged', () => {
  test('keep plain names and blank anything a prompt could ride in, at most 80 characters', () => {
    const { warnings } = anthropicToOpenAIRequest(
      {
        model: 'm',
        max_tokens: 10,
        'My secret prompt as a field name': 1,
        messages: [{ role: 'user', content: [{ type: { text: 'MY CONFIDENTIAL PROMPT' } }, { type: 'image_of_the_future', x: 1 }] }],
      },
      { model: 'm' },
    )
    const logged = warnings.map(loggableWarning)
    expect(logged.length).toBeGreaterThanOrEqual(3)
    expect(logged.join('\n')).not.toMatch(/secret prompt|CONFIDENTIAL/i)
    expect(logged.some((w) => w.includes('"image_of_the_future"'))).toBe(true)
    for (const w of logged) expect(w.length).toBeLessThanOrEqual(80)
  })
})
