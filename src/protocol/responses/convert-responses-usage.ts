// Upstream usage -> the Responses API usage object. Both units agree with the gateway's accounting:
// input tokens include cached ones (Chat Completions counts them in prompt_tokens already;
// Anthropic reports cache reads and writes apart, added here), cached tokens are stated apart.
import { isRecord } from '../convert/is-record'
import { responsesUsage } from './response-object'
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
