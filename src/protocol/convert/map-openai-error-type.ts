// The Anthropic error type for an OpenAI-style error object ({message, type, code}). OpenAI and
// vLLM use free-form types and codes; only the ones a client reacts to differently are told apart.
import type { GatewayErrorType } from '../../errors/gateway-error'

/** Anthropic's error types, which are the gateway's own. */
export type AnthropicErrorType = GatewayErrorType

export function mapOpenAIErrorType(type: unknown, code: unknown): AnthropicErrorType {
  const text = `${typeof type === 'string' ? type : ''} ${typeof code === 'string' || typeof code === 'number' ? code : ''}`.toLowerCase()
  if (text.includes('rate_limit') || text.includes('429')) return 'rate_limit_error'
  if (text.includes('overloaded') || text.includes('503') || text.includes('unavailable')) return 'overloaded_error'
  if (text.includes('invalid_request') || text.includes('badrequest') || text.includes('400')) return 'invalid_request_error'
  if (text.includes('authentication') || text.includes('401')) return 'authentication_error'
  if (text.includes('permission') || text.includes('403')) return 'permission_error'
  if (text.includes('not_found') || text.includes('notfound') || text.includes('404')) return 'not_found_error'
  return 'api_error'
}
