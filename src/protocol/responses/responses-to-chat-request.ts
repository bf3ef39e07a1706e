// Responses API request -> Chat Completions request, for a Responses client (Codex, the OpenAI
// SDKs' responses.*) on a Chat Completions backend; also the first half of the translation to
// Anthropic (./responses-to-anthropic-request.ts). Built from known fields only: each Responses
// field is mapped, dropped silently (listed below), dropped with a warning, or refused with a 400
// when dropping it would change what the request means.
import { GatewayError } from '../../errors/gateway-error'
import { clampMaxTokens, positiveInt } from '../convert/clamp-max-tokens'
import { isRecord } from '../convert/is-record'
import type { TranslationWarning } from '../translation-warning'
import { convertResponsesInput, type SignedThinking } from './convert-responses-input'
import { convertResponsesToolChoice, convertResponsesTools } from './convert-responses-tools'
import type { NamespacedNames, ResponseEcho } from './types'

/** Top-level fields that are converted into something on the Chat Completions side. */
export const MAPPED_RESPONSES_FIELDS = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'stream',
  'user',
  'include',
] as const

/**
 * Dropped without a warning: bookkeeping of OpenAI's platform that changes no answer (Codex sends
 * store, prompt_cache_key and client_metadata on every request). The gateway stores nothing, so
 * `store: true` is answered as if false.
 */
export const DROPPED_RESPONSES_FIELDS = [
  'store',
  'metadata',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'service_tier',
  'client_metadata',
  'stream_options',
  'truncation',
  'background',
] as const

/**
 * Refused: each needs conversation state on the server (a stored response, a conversation, a
 * stored prompt, a response run in the background), and the gateway keeps none. Dropped, a
 * follow-up turn would reach the model without the turns before it.
 */
export const STATEFUL_RESPONSES_FIELDS = ['previous_response_id', 'conversation', 'prompt'] as const

/** `include` entries the gateway honours; the others ask for data only OpenAI's platform has. */
const HONOURED_INCLUDES = new Set(['reasoning.encrypted_content'])

const mapped = new Set<string>(MAPPED_RESPONSES_FIELDS)
const dropped = new Set<string>(DROPPED_RESPONSES_FIELDS)

/** OpenAI-compatible backends take three reasoning efforts (vLLM checks the value). */
const CHAT_EFFORTS: Record<string, string> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' }

export interface ResponsesToChatOptions {
  model: string
  /** The backend's output limit for the model: clamps max_output_tokens, and is asked for when the client sets none. */
  maxOutputTokens?: number
  target: 'chat' | 'anthropic'
}

export interface ResponsesToChatResult {
  body: Record<string, unknown>
  warnings: TranslationWarning[]
  namespaced: NamespacedNames | null
  /** Sanitised call id -> signed thinking before it (only for target anthropic). */
  thinking: Map<string, SignedThinking[]>
  echo: ResponseEcho
}

export function responsesToChatRequest(body: Record<string, unknown>, options: ResponsesToChatOptions): ResponsesToChatResult {
  const warnings: TranslationWarning[] = []
  if (!isRecord(body)) throw new GatewayError(400, 'invalid_request_error', 'request body: expected a JSON object')
  for (const field of STATEFUL_RESPONSES_FIELDS) {
    if (body[field] !== undefined && body[field] !== null) {
      throw new GatewayError(
        400,
        'invalid_request_error',
        `${field}: the gateway keeps no conversation state for models on a translated backend; send the whole conversation in \`input\` (with \`store: false\`) instead`,
        { param: field, code: 'unsupported_parameter' },
      )
    }
  }
  if (body.background === true) {
    throw new GatewayError(400, 'invalid_request_error', 'background: responses run in the background need state the gateway does not keep; send the request without it', { param: 'background', code: 'unsupported_parameter' })
  }
  for (const key of Object.keys(body)) {
    if (!mapped.has(key) && !dropped.has(key)) warnings.push({ type: 'dropped-field', field: key })
  }
  if (body.include !== undefined && body.include !== null) {
    if (!Array.isArray(body.include)) throw new GatewayError(400, 'invalid_request_error', 'include: expected an array of strings', { param: 'include' })
    const ignored = body.include.filter((entry) => !HONOURED_INCLUDES.has(entry as string)).length
    if (ignored > 0) warnings.push({ type: 'adapted', what: 'include-entry-ignored', count: ignored })
  }

  const converted = convertResponsesTools(body.tools, warnings)
  const { tool_choice, tools } = convertResponsesToolChoice(body.tool_choice, converted)
  const input = convertResponsesInput(body.input, { target: options.target }, warnings)

  // Chat templates (Qwen's among them) and Anthropic refuse a conversation of system text alone.
  if (input.messages.length === 0) throw new GatewayError(400, 'invalid_request_error', 'input: no user or assistant message with content to answer', { param: 'input' })
  const system = [...instructionsText(body.instructions), ...input.system]
  const messages = system.length > 0 ? [{ role: 'system', content: system.join('\n\n') }, ...input.messages] : input.messages
  const out: Record<string, unknown> = { model: options.model, messages }

  const maxTokens = clampMaxTokens(body.max_output_tokens, options.maxOutputTokens, warnings)
  if (maxTokens !== undefined) out.max_completion_tokens = maxTokens
  if (typeof body.temperature === 'number') out.temperature = body.temperature
  if (typeof body.top_p === 'number') out.top_p = body.top_p
  if (tools.length > 0) {
    out.tools = tools
    if (tool_choice !== undefined) out.tool_choice = tool_choice
    if (typeof body.parallel_tool_calls === 'boolean') out.parallel_tool_calls = body.parallel_tool_calls
  }
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {}
  const effort = typeof reasoning.effort === 'string' && Object.hasOwn(CHAT_EFFORTS, reasoning.effort) ? CHAT_EFFORTS[reasoning.effort] : undefined
  if (effort !== undefined) out.reasoning_effort = effort
  const responseFormat = responseFormatOf(body.text)
  if (responseFormat) out.response_format = responseFormat
  if (typeof body.user === 'string' && body.user !== '') out.user = body.user
  if (body.stream === true) {
    out.stream = true
    // Without it a Chat Completions stream carries no token counts at all.
    out.stream_options = { include_usage: true }
  }

  return {
    body: out,
    warnings,
    namespaced: converted.namespaced,
    thinking: input.thinking,
    echo: {
      tool_choice: typeof body.tool_choice === 'string' ? body.tool_choice : isRecord(body.tool_choice) ? body.tool_choice : 'auto',
      parallel_tool_calls: body.parallel_tool_calls !== false,
      temperature: typeof body.temperature === 'number' ? body.temperature : null,
      top_p: typeof body.top_p === 'number' ? body.top_p : null,
      max_output_tokens: positiveInt(body.max_output_tokens) ?? null,
      store: false,
      reasoning: { effort: typeof reasoning.effort === 'string' ? reasoning.effort : null, summary: typeof reasoning.summary === 'string' ? reasoning.summary : null },
    },
  }
}

/** `instructions`: a string, or (as the API also allows) a list of messages, whose text is taken. */
function instructionsText(instructions: unknown): string[] {
  if (typeof instructions === 'string') return instructions === '' ? [] : [instructions]
  if (instructions === undefined || instructions === null) return []
  if (!Array.isArray(instructions)) throw new GatewayError(400, 'invalid_request_error', 'instructions: expected a string', { param: 'instructions' })
  // As system messages at the very start, all of them land in the system prompt.
  return convertResponsesInput(instructions.map((m) => (isRecord(m) ? { ...m, type: 'message', role: 'system' } : m)), { target: 'chat' }, []).system
}

/** `text.format` as Chat Completions' response_format; plain text needs none. */
function responseFormatOf(text: unknown): Record<string, unknown> | undefined {
  if (!isRecord(text) || !isRecord(text.format)) return undefined
  const f = text.format
  if (f.type === 'json_object') return { type: 'json_object' }
  if (f.type === 'json_schema' && isRecord(f.schema)) {
    const schema: Record<string, unknown> = { name: typeof f.name === 'string' && f.name !== '' ? f.name : 'response', schema: f.schema }
    if (typeof f.strict === 'boolean') schema.strict = f.strict
    if (typeof f.description === 'string') schema.description = f.description
    return { type: 'json_schema', json_schema: schema }
  }
  return undefined
}
