// OpenAI Chat Completions request -> Anthropic Messages request, for an Anthropic backend.
// Built from known fields only; each OpenAI field is mapped, dropped silently (listed below) or
// dropped with a warning.
import { GatewayError } from '../../errors/gateway-error'
import { convertOpenAIMessages } from './convert-openai-messages'
import { convertOpenAIToolChoice, convertOpenAITools } from './convert-openai-tools'
import type { TranslationWarning } from '../translation-warning'
import { isRecord } from './is-record'

export const MAPPED_OPENAI_FIELDS = [
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'stream',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'n',
  'response_format',
  'reasoning_effort',
  'user',
] as const

/** Dropped without a warning: bookkeeping for OpenAI's own platform that changes no answer. */
export const DROPPED_OPENAI_FIELDS = [
  'stream_options',
  'store',
  'metadata',
  'service_tier',
  'prompt_cache_key',
  'safety_identifier',
] as const

const mapped = new Set<string>(MAPPED_OPENAI_FIELDS)
const dropped = new Set<string>(DROPPED_OPENAI_FIELDS)

/** Anthropic's smallest thinking budget is 1024 tokens. */
const THINKING_BUDGETS: Record<string, number> = { low: 1024, medium: 4096, high: 16384, xhigh: 32768 }

export function openAIToAnthropicRequest(
  body: Record<string, unknown>,
  options: { model: string; defaultMaxTokens: number; maxOutputTokens?: number },
): { body: Record<string, unknown>; warnings: TranslationWarning[] } {
  const warnings: TranslationWarning[] = []
  if (!isRecord(body)) throw new GatewayError(400, 'invalid_request_error', 'request body: expected a JSON object')
  if (!Array.isArray(body.messages)) {
    throw new GatewayError(400, 'invalid_request_error', 'messages: expected an array', { param: 'messages' })
  }
  if (typeof body.n === 'number' && body.n > 1) {
    throw new GatewayError(400, 'invalid_request_error', 'n: this model returns one choice per request', { param: 'n' })
  }
  for (const key of Object.keys(body)) {
    if (!mapped.has(key) && !dropped.has(key)) warnings.push({ type: 'dropped-field', field: key })
  }

  const { system, messages } = convertOpenAIMessages(body.messages, warnings)
  const out: Record<string, unknown> = { model: options.model, messages }

  let maxTokens = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? options.defaultMaxTokens
  if (options.maxOutputTokens !== undefined && maxTokens > options.maxOutputTokens) {
    warnings.push({ type: 'clamped', setting: 'max_tokens', from: maxTokens, to: options.maxOutputTokens })
    maxTokens = options.maxOutputTokens
  }
  out.max_tokens = maxTokens

  const responseFormat = isRecord(body.response_format) ? body.response_format : undefined
  if (responseFormat?.type === 'json_object' || responseFormat?.type === 'json_schema') {
    // Anthropic has no JSON mode; a system instruction gets most of the way there.
    warnings.push({ type: 'adapted', what: 'response-format-as-system-instruction' })
    const schema = isRecord(responseFormat.json_schema) ? responseFormat.json_schema.schema : undefined
    system.push(
      schema === undefined
        ? 'Respond with a single valid JSON object and nothing else.'
        : `Respond with a single valid JSON object and nothing else, matching this JSON schema:\n${JSON.stringify(schema)}`,
    )
  }
  if (system.length > 0) out.system = system.join('\n\n')

  if (typeof body.temperature === 'number') {
    const t = Math.min(Math.max(body.temperature, 0), 1)
    if (t !== body.temperature) warnings.push({ type: 'clamped', setting: 'temperature', from: body.temperature, to: t })
    out.temperature = t
  }
  if (typeof body.top_p === 'number') out.top_p = body.top_p

  const stops = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop : []
  const stopSequences = stops.filter((s): s is string => typeof s === 'string' && s.trim() !== '')
  if (stopSequences.length < stops.length) warnings.push({ type: 'adapted', what: 'empty-stop-sequences-dropped' })
  if (stopSequences.length > 0) out.stop_sequences = stopSequences

  const tools = convertOpenAITools(body.tools, warnings)
  if (tools.length > 0) {
    out.tools = tools
    const choice = convertOpenAIToolChoice(body.tool_choice, body.parallel_tool_calls)
    if (choice) out.tool_choice = choice
  }

  const budget = typeof body.reasoning_effort === 'string' && Object.hasOwn(THINKING_BUDGETS, body.reasoning_effort) ? THINKING_BUDGETS[body.reasoning_effort] : undefined
  if (budget !== undefined) addThinking(out, budget, warnings)

  if (typeof body.user === 'string' && body.user !== '' && body.user.length <= 256) out.metadata = { user_id: body.user }
  if (body.stream === true) out.stream = true
  return { body: out, warnings }
}

/** Anthropic's rules for extended thinking: budget below max_tokens, no forced tool, free sampling. */
function addThinking(out: Record<string, unknown>, budget: number, warnings: TranslationWarning[]) {
  const maxTokens = out.max_tokens as number
  const choice = isRecord(out.tool_choice) ? out.tool_choice.type : undefined
  if (maxTokens <= 1024 || choice === 'any' || choice === 'tool') {
    warnings.push({ type: 'adapted', what: 'reasoning-effort-ignored' })
    return
  }
  out.thinking = { type: 'enabled', budget_tokens: Math.min(budget, maxTokens - 1) }
  if (out.temperature !== undefined && out.temperature !== 1) {
    warnings.push({ type: 'adapted', what: 'temperature-dropped-for-thinking' })
    delete out.temperature
  }
  if (typeof out.top_p === 'number' && out.top_p < 0.95) {
    warnings.push({ type: 'adapted', what: 'top-p-dropped-for-thinking' })
    delete out.top_p
  }
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined
}
