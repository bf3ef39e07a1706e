// Anthropic usage -> OpenAI usage. Anthropic splits the prompt into uncached, cache-read and
// cache-written tokens; OpenAI's prompt_tokens is their sum, with the cached part in the details.
import type { OpenAIUsage } from '../openai/types'
import { isRecord } from './is-record'

export function convertAnthropicUsage(usage: unknown): OpenAIUsage {
  const u = isRecord(usage) ? usage : {}
  const input = count(u.input_tokens)
  const cacheRead = count(u.cache_read_input_tokens)
  const cacheCreation = count(u.cache_creation_input_tokens)
  const completion = count(u.output_tokens)
  const prompt = input + cacheRead + cacheCreation
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  }
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0
}
