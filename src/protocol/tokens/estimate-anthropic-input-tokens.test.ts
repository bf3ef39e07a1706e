import { describe, expect, it } from 'bun:test'
import { estimateAnthropicInputTokens } from './estimate-anthropic-input-tokens'

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] })

describe('estimateAnthropicInputTokens', () => {
  it('counts message text with a real tokenizer', () => {
    const small = estimateAnthropicInputTokens(user('Hello world'))
    expect(small).toBeGreaterThanOrEqual(2)
    expect(small).toBeLessThan(10)
    expect(estimateAnthropicInputTokens(user('Hello world '.repeat(100)))).toBeGreaterThan(150)
  })

  it('counts system text, tool definitions, tool inputs and tool results', () => {
    const bare = estimateAnthropicInputTokens(user('q'))
    const words = 'alpha beta gamma delta '.repeat(50)
    expect(estimateAnthropicInputTokens({ ...user('q'), system: [{ type: 'text', text: words }] })).toBeGreaterThan(bare + 150)
    expect(estimateAnthropicInputTokens({ ...user('q'), tools: [{ name: 't', description: words, input_schema: { type: 'object' } }] })).toBeGreaterThan(bare + 150)
    const withTools = {
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: { text: words } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'text', text: words }] }] },
      ],
    }
    expect(estimateAnthropicInputTokens(withTools)).toBeGreaterThan(300)
  })

  it('charges a fixed cost per image instead of tokenizing its bytes', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100_000) } }
    const tokens = estimateAnthropicInputTokens(user([image]))
    expect(tokens).toBeGreaterThanOrEqual(1600)
    expect(tokens).toBeLessThan(1700)
  })

  it('survives bodies with missing or odd fields', () => {
    expect(estimateAnthropicInputTokens({})).toBe(0)
    // Odd values are counted by their JSON text: a small, finite number, never NaN or a throw.
    expect(estimateAnthropicInputTokens({ messages: [null, 5, { content: 7 }], system: 3, tools: 'x' })).toBe(12)
  })
})
