// Upstream usage -> the Responses API usage object. Both units agree with the gateway's accounting:
// input tokens include cached ones (Chat Completions counts them in prompt_tokens already;
// Anthropic reports cache reads and writes apart, added here), cached tokens are stated apart.
import { isRecord } from '../convert/is-record'
import { responsesUsage } from './response-object'
import type { TokenUsage } from '../usage'
import type { ResponsesUsage } from './types'

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0
}

/** Chat Completions usage; null when the upstream reported none. */
export function chatUsageToResponses(usage: unknown): ResponsesUsage | null {
  if (!isRecord(usage)) return null
  const prompt = count(usage.prompt_tokens)
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {}
  const cached = Math.min(count(details.cached_tokens), prompt)
  const completionDetails = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {}
  const completion = count(usage.completion_tokens)
  return responsesUsage(prompt, cached, completion, Math.min(count(completionDetails.reasoning_tokens), completion))
}

/** Anthropic usage, cumulative as message_start and message_delta state it. */
export function anthropicUsageToResponses(usage: unknown): ResponsesUsage {
  const u = isRecord(usage) ? usage : {}
  const cacheRead = count(u.cache_read_input_tokens)
  return responsesUsage(count(u.input_tokens) + cacheRead + count(u.cache_creation_input_tokens), cacheRead, count(u.output_tokens), 0)
}

/** A Responses usage object as the gateway accounts it (quota, ledger), cache reads and writes stated apart. */
export function accountedUsage(usage: ResponsesUsage, cacheCreationTokens = 0): TokenUsage {
  const cached = usage.input_tokens_details.cached_tokens
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    ...(cached > 0 ? { cache_read_tokens: cached } : {}),
    ...(cacheCreationTokens > 0 ? { cache_creation_tokens: cacheCreationTokens } : {}),
  }
}

/** The cache writes of Anthropic usage, which the Responses usage object has no field for. */
export function anthropicCacheCreation(usage: unknown): number {
  return isRecord(usage) ? count(usage.cache_creation_input_tokens) : 0
}
