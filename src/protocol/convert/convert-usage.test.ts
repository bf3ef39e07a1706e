import { describe, expect, it } from 'bun:test'
import { convertAnthropicUsage } from './convert-anthropic-usage'
import { convertOpenAIUsage } from './convert-openai-usage'

describe('convertOpenAIUsage', () => {
  it('subtracts cached tokens from input and reports them as cache reads', () => {
    expect(convertOpenAIUsage({ prompt_tokens: 1000, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 800 } })).toEqual({
      input_tokens: 200,
      output_tokens: 50,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 800,
    })
  })

  it('ignores a cached count larger than the prompt instead of zeroing the input', () => {
    expect(convertOpenAIUsage({ prompt_tokens: 22, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 23 } })).toMatchObject({ input_tokens: 22, cache_read_input_tokens: 0 })
  })

  it('falls back to the estimate when usage is missing and tolerates null details', () => {
    expect(convertOpenAIUsage(undefined, 42).input_tokens).toBe(42)
    expect(convertOpenAIUsage({ prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: null })).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 0 })
  })
})

describe('convertAnthropicUsage', () => {
  it('adds cache reads and writes into prompt_tokens and reports reads as cached_tokens', () => {
    expect(convertAnthropicUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100 },
    })
  })

  it('reads missing or null numbers as 0', () => {
    expect(convertAnthropicUsage({ input_tokens: 3, cache_read_input_tokens: null }).prompt_tokens).toBe(3)
    expect(convertAnthropicUsage(undefined).total_tokens).toBe(0)
  })
})
