import { describe, expect, it } from 'bun:test'
import claudeCodeRequest from '../../../test/fixtures/requests/claude-code-messages.json'
import { createRandom } from '../../../test/helpers/replay-stream'
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

  it('estimates a 50 KB Claude Code request in a few milliseconds', () => {
    const random = createRandom(42)
    const letters = 'abcdefghijklmnopqrstuvwxyz     .,\n'
    const times: number[] = []
    estimateAnthropicInputTokens(claudeCodeRequest as Record<string, unknown>)
    for (let i = 0; i < 10; i++) {
      // Fresh text on each run so no tokenizer cache makes the number look better than it is.
      const noise = Array.from({ length: 4000 }, () => letters[Math.floor(random() * letters.length)]).join('')
      const body = structuredClone(claudeCodeRequest) as { messages: unknown[] }
      body.messages.push({ role: 'user', content: noise })
      const start = performance.now()
      estimateAnthropicInputTokens(body as Record<string, unknown>)
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    const median = times[5]!
    console.log(`estimateAnthropicInputTokens, ${JSON.stringify(claudeCodeRequest).length} byte request: median ${median.toFixed(2)} ms, max ${times[9]!.toFixed(2)} ms`)
    expect(median).toBeLessThan(25)
  })
})
