// Reads one upstream stream event, before any converter state is touched: a Chat Completions chunk
// (or the error object vLLM and OpenAI send in its place), an Anthropic event (or its `error`
// event). Every stream converter starts the same way; what it does with the result is its own.
import type { GatewayErrorType } from '../../errors/gateway-error'
import type { SSEEvent } from '../sse/sse-event'
import { isRecord } from './is-record'
import { mapOpenAIErrorType } from './map-openai-error-type'

export type UpstreamRead<T> = T | { kind: 'error'; type: GatewayErrorType; message: string } | { kind: 'malformed' }

const ERROR_TYPES = new Set<string>(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error'])

function parse(data: string): unknown {
  try {
    return JSON.parse(data)
  } catch {
    return undefined
  }
}

/** A Chat Completions SSE event (not [DONE], not the fast path's plain delta) as a chunk or an error. */
export function readChatChunk(event: SSEEvent): UpstreamRead<{ kind: 'chunk'; data: Record<string, unknown> }> {
  const data = parse(event.data)
  if (event.event === 'error' || (isRecord(data) && (isRecord(data.error) || data.object === 'error'))) {
    const err = isRecord(data) && isRecord(data.error) ? data.error : isRecord(data) ? data : {}
    const message = typeof err.message === 'string' ? err.message : 'the upstream reported an error'
    return { kind: 'error', type: mapOpenAIErrorType(err.type, err.code), message }
  }
  return isRecord(data) ? { kind: 'chunk', data } : { kind: 'malformed' }
}

/** An Anthropic SSE event, its type from the event name (or the data), an `error` event, a ping, or junk. */
export function readAnthropicEvent(event: SSEEvent): UpstreamRead<{ kind: 'event'; type: unknown; data: Record<string, unknown> } | { kind: 'ping' }> {
  const data = parse(event.data)
  const type = event.event ?? (isRecord(data) ? data.type : undefined)
  if (type === 'error') {
    const err = isRecord(data) && isRecord(data.error) ? data.error : {}
    const message = typeof err.message === 'string' ? err.message : 'the upstream reported an error'
    return { kind: 'error', type: ERROR_TYPES.has(err.type as string) ? (err.type as GatewayErrorType) : 'api_error', message }
  }
  if (!isRecord(data)) return type === 'ping' ? { kind: 'ping' } : { kind: 'malformed' }
  return { kind: 'event', type, data }
}
