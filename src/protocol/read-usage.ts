// Reads the token usage an answer or a stream event reports, in either wire format, as the gateway
// accounts it (quota, metrics, access log).
// Anthropic input_tokens excludes cache tokens; cache reads and writes are input all the same.
import type { TokenUsage } from './usage'

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0)

export function readAnthropicUsage(usage: unknown): Partial<TokenUsage> {
  if (!usage || typeof usage !== 'object') return {}
  const u = usage as Record<string, unknown>
  const out: Partial<TokenUsage> = {}
  if ('input_tokens' in u) {
    out.input_tokens = num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens)
    out.cache_read_tokens = num(u.cache_read_input_tokens)
    out.cache_creation_tokens = num(u.cache_creation_input_tokens)
  }
  if ('output_tokens' in u) out.output_tokens = num(u.output_tokens)
  return out
}

export function readOpenAIUsage(usage: unknown): Partial<TokenUsage> {
  if (!usage || typeof usage !== 'object') return {}
  const u = usage as Record<string, unknown>
  const details = u.prompt_tokens_details as Record<string, unknown> | null | undefined
  const cached = details && typeof details === 'object' ? num(details.cached_tokens) : 0
  return { input_tokens: num(u.prompt_tokens), output_tokens: num(u.completion_tokens), cache_read_tokens: Math.min(cached, num(u.prompt_tokens)) }
}

/** Responses API usage: input_tokens already include the cached ones. */
export function readResponsesUsage(usage: unknown): Partial<TokenUsage> {
  if (!usage || typeof usage !== 'object') return {}
  const u = usage as Record<string, unknown>
  const details = u.input_tokens_details as Record<string, unknown> | null | undefined
  const cached = details && typeof details === 'object' ? num(details.cached_tokens) : 0
  return { input_tokens: num(u.input_tokens), output_tokens: num(u.output_tokens), cache_read_tokens: Math.min(cached, num(u.input_tokens)) }
}
