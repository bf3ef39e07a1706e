// OpenAI usage -> Anthropic usage. OpenAI's prompt_tokens include cached tokens; Anthropic's
// input_tokens do not, cached ones are reported apart as cache_read_input_tokens.
import { isRecord } from './is-record'

export interface AnthropicUsageOut {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
}

export function convertOpenAIUsage(usage: unknown, fallbackInputTokens = 0): AnthropicUsageOut {
  if (!isRecord(usage)) {
    return { input_tokens: fallbackInputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  }
  const prompt = count(usage.prompt_tokens) ?? fallbackInputTokens
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {}
  // A cached count above the prompt is a backend bug; trusting it would zero the input tokens.
  const reported = count(details.cached_tokens) ?? 0
  const cached = reported <= prompt ? reported : 0
  return {
    input_tokens: prompt - cached,
    output_tokens: count(usage.completion_tokens) ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  }
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined
}
