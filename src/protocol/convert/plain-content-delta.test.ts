// The fast path of the OpenAI -> Anthropic stream reads plain content chunks without parsing them
// and writes their content on as it came; whenever it answers, the answer must decode to what a
// full parse says, for every chunk a backend or the fuzz generators can produce, escapes and
// look-alike key text inside strings included.
import { describe, expect, it } from 'bun:test'
import { mutate } from '../../../test/helpers/fuzz-generators'
import { openAIChunks } from '../../../test/helpers/fuzz-streams'
import { createRandom } from '../../../test/helpers/replay-stream'
import { plainContentDelta } from './create-openai-to-anthropic-stream'

/** What the full parse makes of a chunk: the text of a plain content delta, or null. */
function slowPath(data: string): string | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return null
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null
  const chunk = parsed as Record<string, unknown>
  if ('error' in chunk || chunk.object === 'error' || (chunk.usage && typeof chunk.usage === 'object')) return null
  const choices = chunk.choices
  if (!Array.isArray(choices) || choices.length !== 1) return null
  const choice = choices[0] as Record<string, unknown>
  if (!choice || typeof choice !== 'object' || (choice.index !== 0 && choice.index !== undefined) || choice.finish_reason !== null) return null
  const delta = choice.delta as Record<string, unknown>
  if (!delta || typeof delta !== 'object' || Object.keys(delta).join() !== 'content' || typeof delta.content !== 'string') return null
  return delta.content
}

const TRICKY = ['plain', 'a "quoted" word', 'back\\slash', 'line\nbreak', '"delta":{"content":"x"}', '"finish_reason":"stop"', '"usage":{', 'ünïcödé 👋', '\\"', '', '"tool_calls"']

describe('plainContentDelta', () => {
  it('reads the content of a plain content delta, escapes included', () => {
    for (const text of TRICKY) {
      const data = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] })
      expect(JSON.parse(`"${plainContentDelta(data)}"`)).toBe(text)
    }
  })

  it('answers null for every other kind of chunk', () => {
    const base = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [choice], ...extra })
    const others = [
      base({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }),
      base({ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }),
      base({ index: 1, delta: { content: 'x' }, finish_reason: null }),
      base({ index: 0, delta: { content: 'x', tool_calls: [] }, finish_reason: null }),
      base({ index: 0, delta: { content: 'x' }, finish_reason: null }, { usage: { prompt_tokens: 1 } }),
      base({ index: 0, delta: { content: 'x' }, finish_reason: null }, { error: { message: 'boom' } }),
      base({ index: 0, delta: { reasoning_content: 'x' }, finish_reason: null }),
      JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }, { index: 1, delta: { content: 'b' }, finish_reason: null }] }),
      '[DONE]',
      'not json "delta":{"content":"x"}',
    ]
    // Invalid JSON text inside the content (a raw control character, a bad escape) is left to the full parse too.
    others.push('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a\u0001b"},"finish_reason":null}]}')
    others.push('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a\\xb"},"finish_reason":null}]}')
    for (const data of others) expect({ data, fast: plainContentDelta(data) }).toEqual({ data, fast: null })
  })

  it('agrees with a full parse on 3,000 generated and mutated chunks', () => {
    let answered = 0
    for (let seed = 1; seed <= 300; seed++) {
      const r = createRandom(seed)
      for (const line of openAIChunks(r)) {
        const variants = [line, mutate(line, r, 1), mutate(line, r, 2)]
        for (const v of variants) {
          if (typeof v !== 'object' || v === null) continue
          const data = JSON.stringify(v)
          const json = plainContentDelta(data)
          if (json !== null) {
            const fast: string | null = JSON.parse(`"${json}"`) as string
            answered++
            expect({ seed, data, fast } as { seed: number; data: string; fast: string | null }).toEqual({ seed, data, fast: slowPath(data) })
          }
        }
      }
    }
    expect(answered).toBeGreaterThan(100)
  })
})
