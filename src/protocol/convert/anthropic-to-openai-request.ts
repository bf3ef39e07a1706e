// Anthropic Messages request -> OpenAI Chat Completions request, for an OpenAI-compatible backend.
// The output is built from known fields only: every Anthropic-only field (cache_control at any
// depth included) is left behind on purpose, because vLLM and OpenAI reject what they do not know.
import { GatewayError } from '../../errors/gateway-error'
import { textOfBlocks } from './convert-anthropic-content'
import { convertAnthropicMessages } from './convert-anthropic-messages'
import { convertAnthropicToolChoice, convertAnthropicTools } from './convert-anthropic-tools'
import type { TranslationWarning } from '../translation-warning'
import { clampMaxTokens } from './clamp-max-tokens'
import { isRecord } from './is-record'

/** Top-level fields that are converted into something on the OpenAI side. */
export const MAPPED_ANTHROPIC_FIELDS = [
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'stream',
] as const

/**
 * Top-level fields dropped without a warning: Claude Code sends most of them on every request and
 * none has a Chat Completions twin a backend would accept. `thinking` is dropped rather than mapped
 * to reasoning_effort because OpenAI rejects reasoning_effort for non-reasoning models, and
 * reasoning backends (vLLM Qwen3, DeepSeek) reason by default and stream it back anyway.
 */
export const DROPPED_ANTHROPIC_FIELDS = [
  'cache_control',
  'container',
  'context_management',
  'mcp_servers',
  'metadata',
  'output_config',
  'output_format',
  'service_tier',
  'thinking',
  'top_k',
  'betas',
  'anthropic_version',
  'anthropic_beta',
] as const

const mapped = new Set<string>(MAPPED_ANTHROPIC_FIELDS)
const dropped = new Set<string>(DROPPED_ANTHROPIC_FIELDS)

/** The Anthropic error code for a `thread` the server cannot hold (error.details.error_code). */
export const THREAD_UNSUPPORTED_CODE = 'thread_unsupported_request'
const THREAD_UNSUPPORTED_MESSAGE =
  'thread: this model runs on an OpenAI-compatible backend, which cannot hold a message thread; send the full conversation without `thread`'

/** OpenAI accepts at most four stop sequences. */
const MAX_STOP_SEQUENCES = 4

export function anthropicToOpenAIRequest(
  body: Record<string, unknown>,
  options: { model: string; maxOutputTokens?: number },
): { body: Record<string, unknown>; warnings: TranslationWarning[] } {
  const warnings: TranslationWarning[] = []
  if (!isRecord(body)) throw new GatewayError(400, 'invalid_request_error', 'request body: expected a JSON object')
  if (!Array.isArray(body.messages)) {
    throw new GatewayError(400, 'invalid_request_error', 'messages: expected an array', { param: 'messages' })
  }
  if (body.thread !== undefined && body.thread !== null) {
    // Message threads (server-held conversations) need a backend that keeps the history between
    // requests; an OpenAI-compatible backend keeps none. Dropped, a `continue` turn would reach it
    // with only the newest messages and be answered out of context. Refused instead, with the code
    // the Anthropic SDKs answer by sending the whole history again without `thread`.
    throw new GatewayError(400, 'invalid_request_error', THREAD_UNSUPPORTED_MESSAGE, { param: 'thread', code: THREAD_UNSUPPORTED_CODE })
  }
  for (const key of Object.keys(body)) {
    if (!mapped.has(key) && !dropped.has(key)) warnings.push({ type: 'dropped-field', field: key })
  }

  const messages: Record<string, unknown>[] = []
  if (body.system !== undefined) {
    if (typeof body.system !== 'string' && !Array.isArray(body.system)) warnings.push({ type: 'dropped-malformed', field: 'system' })
    const system = textOfBlocks(body.system)
    if (system !== '') messages.push({ role: 'system', content: system })
  }
  messages.push(...convertAnthropicMessages(body.messages, warnings))

  const out: Record<string, unknown> = { model: options.model, messages }

  const maxTokens = clampMaxTokens(body.max_tokens, options.maxOutputTokens, warnings)
  // max_completion_tokens: OpenAI's reasoning models reject max_tokens; vLLM accepts both.
  if (maxTokens !== undefined) out.max_completion_tokens = maxTokens
  if (typeof body.temperature === 'number') out.temperature = body.temperature
  if (typeof body.top_p === 'number') out.top_p = body.top_p
  if (Array.isArray(body.stop_sequences)) {
    const stops = body.stop_sequences.filter((s): s is string => typeof s === 'string')
    if (stops.length > MAX_STOP_SEQUENCES) warnings.push({ type: 'clamped', setting: 'stop_sequences', from: stops.length, to: MAX_STOP_SEQUENCES })
    if (stops.length > 0) out.stop = stops.slice(0, MAX_STOP_SEQUENCES)
  }

  const tools = convertAnthropicTools(body.tools, warnings)
  if (tools.length > 0) {
    out.tools = tools
    Object.assign(out, convertAnthropicToolChoice(body.tool_choice, true, warnings))
  }

  if (body.stream === true) {
    out.stream = true
    // Without it an OpenAI stream carries no token counts at all.
    out.stream_options = { include_usage: true }
  } else if (body.stream !== undefined) out.stream = false

  return { body: out, warnings }
}
