import { describe, expect, it } from 'bun:test'
import { countTextTokens } from '../protocol/tokens/estimate-anthropic-input-tokens'
import { createTokenCounter, roughTokens } from './token-counter'

describe('createTokenCounter (a worker thread)', () => {
  it('counts what the tokenizer counts, on its worker, while the event loop keeps turning', async () => {
    const counter = createTokenCounter()
    try {
      const text = 'The quick brown fox jumps over the lazy dog. '.repeat(2_000)
      let turns = 0
      const ticking = setInterval(() => turns++, 5)
      const tokens = await counter.count(text)
      clearInterval(ticking)
      expect(tokens).toBe(countTextTokens(text))
      // The tokenizer loads in ~0.7 s: the loop went on turning meanwhile.
      expect(turns).toBeGreaterThan(5)
    } finally {
      counter.close()
    }
  }, 30_000)

  it('answers the four-characters-a-token estimate when too many counts wait', async () => {
    const counter = createTokenCounter({ maxQueue: 0 })
    try {
      expect(await counter.count('x'.repeat(4_000))).toBe(roughTokens(4_000))
    } finally {
      counter.close()
    }
  })

  it('answers the estimate, and replaces the worker, when a count overruns its time', async () => {
    const counter = createTokenCounter({ timeoutMs: 1 })
    try {
      // The worker cannot even load the tokenizer in 1 ms.
      expect(await counter.count('hello world')).toBe(roughTokens(11))
    } finally {
      counter.close()
    }
  })
})
