// One translator per (client format, backend format) pair, chosen once per request: it turns the
// client's request into the backend's, and the backend's answer, stream and errors back into the
// client's format. The pipeline never asks which pair it has; adding a client API or a backend
// format is a new file in this folder and a line in ./index.ts.
import type { ChunkTransform } from '../chunk-transform'
import type { NamespacedNames, ResponseEcho } from '../responses/types'
import type { TranslationWarning } from '../translation-warning'
import type { TokenUsage, UsageListener } from '../usage'
import type { LlmEndpoint, WireFormat } from '../vocabulary'
import type { MappedUpstreamError } from './map-upstream-error'

/** Where a request goes, as far as translation cares. */
export interface TranslationTarget {
  /** The routed public name, reported back to the client in every answer. */
  model: string
  /** The id the backend knows the model by. */
  upstreamModel: string
  /** The backend's output limit for this model; null when none is configured. */
  maxOutputTokens: number | null
}

/**
 * What a translated stream needs to know of its request: small on purpose, since it lives as
 * long as the stream does (the request body does not).
 */
export interface StreamPlan {
  /** The gateway asked an OpenAI backend for a usage chunk the client did not ask for: hide it. */
  hideUsageChunk: boolean
  /** The OpenAI client asked for a usage chunk (stream_options.include_usage). */
  clientWantsUsage: boolean
  /** An input token estimate for answers that must state one before the backend has. */
  inputTokensEstimate: number
  /** For a Responses client on a translated backend: what its answer repeats, and the namespaced tool names to give back. */
  responses?: { echo: ResponseEcho; namespaced: NamespacedNames | null }
}

export interface TranslatedRequest {
  /** The body to send upstream, serialised. */
  body: string
  warnings: TranslationWarning[]
  plan: StreamPlan
}

export interface TranslatedResponse {
  body: unknown
  usage: TokenUsage | null
  /** False when the answer is the backend's as it came, so it may go out byte for byte. */
  changed: boolean
}

export interface Translator {
  readonly client: WireFormat
  /** The API the backend is called with: its format, or `responses` for a backend that serves the Responses API itself. */
  readonly backend: WireFormat
  /** Same format on both sides: bodies pass through with only `model` set, client headers and query too. */
  readonly passthrough: boolean
  /** The backend endpoint that serves the client's generation requests. */
  readonly upstreamEndpoint: LlmEndpoint
  /** Bytes to send while the backend of a stream is silent, for clients that need them; null for none. */
  readonly keepAlive: Uint8Array | null
  /** Throws a 400 GatewayError when the request cannot be expressed in the backend's format. */
  request(body: Record<string, unknown>, target: TranslationTarget): TranslatedRequest
  response(parsed: unknown, target: TranslationTarget, plan: StreamPlan): TranslatedResponse
  stream(plan: StreamPlan, target: TranslationTarget, onUsage: UsageListener): ChunkTransform
  /** The backend's non-2xx answer as the client should see it. */
  error(status: number, text: string, backendName: string): MappedUpstreamError
  /** An SSE event in the client's format that ends a stream which broke. */
  errorEvent(message: string): Uint8Array
}

/** Usage as read from an answer, or null when the answer reported none. */
export function toUsage(u: Partial<TokenUsage>): TokenUsage | null {
  if (u.input_tokens === undefined && u.output_tokens === undefined) return null
  const usage: TokenUsage = { input_tokens: u.input_tokens ?? 0, output_tokens: u.output_tokens ?? 0 }
  if (u.cache_read_tokens) usage.cache_read_tokens = u.cache_read_tokens
  if (u.cache_creation_tokens) usage.cache_creation_tokens = u.cache_creation_tokens
  return usage
}

/** An OpenAI client that set stream_options.include_usage. */
export function wantsUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined
  return options?.include_usage === true
}
