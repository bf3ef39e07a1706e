// The wire formats every fake LLM upstream speaks, in one place: the Anthropic Messages API and the
// OpenAI Chat Completions API, each as a JSON answer, as the SSE event sequence of a stream and as
// an error body. A reply (text, reasoning, tool calls, each in the pieces a stream sends them in) is
// written the same way whichever fake sends it, so the test fakes and the benchmark's fake cannot
// drift apart from each other or from what real backends send. Builders only: serving, pacing and
// choosing a reply are each fake's own business.
import { formatSSE } from '../../src/protocol/sse/encode-sse'

/** The `created` timestamp of every OpenAI answer (a fixed value keeps answers reproducible). */
export const CREATED = 1764000000

export interface WireToolCall {
  id: string
  name: string
  /** The JSON text of the arguments, in the pieces a stream sends; joined, it must parse. */
  arguments: string[]
}

/** One answer of a model. Text and reasoning are given in pieces: one delta each when streamed, joined otherwise. */
export interface WireReply {
  id: string
  model: string
  reasoning?: string[]
  text?: string[]
  toolCalls?: WireToolCall[]
}

/** Cuts a text into about `parts` pieces of equal length, for the deltas of a stream. */
export function splitText(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts))
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

const calls = (reply: WireReply) => reply.toolCalls ?? []

// ---- Anthropic Messages ----

export interface AnthropicUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
}

export interface AnthropicOptions {
  usage: AnthropicUsage
  /** The thinking block's signature (when the reply reasons). */
  signature?: string
  /** Fields added at the top level of a JSON answer (fields a client does not know yet). */
  extra?: Record<string, unknown>
}

export interface AnthropicStreamOptions extends AnthropicOptions {
  /** message_start's usage; by default `usage` with output_tokens 1. A backend may leave out the cache fields there. */
  startUsage?: AnthropicUsage
  /** A ping after the first content_block_start, where the API sends it. */
  ping?: boolean
  /** An event of a type no client knows, before message_delta: the API may add event types, and clients must skip them. */
  unknownEvent?: boolean
}

/** One Anthropic SSE event, named after its data's `type`. */
export function anthropicSSE(data: { type: string }): string {
  return formatSSE(data.type, JSON.stringify(data))
}

const stopReason = (reply: WireReply) => (calls(reply).length > 0 ? 'tool_use' : 'end_turn')

/** The answer of POST /v1/messages without `stream`. */
export function anthropicMessage(reply: WireReply, options: AnthropicOptions): Record<string, unknown> {
  const content: Record<string, unknown>[] = []
  if (reply.reasoning) content.push({ type: 'thinking', thinking: reply.reasoning.join(''), signature: options.signature ?? '' })
  if (reply.text) content.push({ type: 'text', text: reply.text.join('') })
  for (const c of calls(reply)) content.push({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments.join('')) })
  return { id: reply.id, type: 'message', role: 'assistant', model: reply.model, content, stop_reason: stopReason(reply), stop_sequence: null, usage: options.usage, ...options.extra }
}

/** The events of POST /v1/messages with `stream: true`, each as SSE text: blocks of thinking, text, then tool_use. */
export function anthropicStream(reply: WireReply, options: AnthropicStreamOptions): string[] {
  const ev = (type: string, data: Record<string, unknown> = {}) => anthropicSSE({ type, ...data })
  const startUsage = options.startUsage ?? { ...options.usage, output_tokens: 1 }
  const out = [ev('message_start', { message: { id: reply.id, type: 'message', role: 'assistant', model: reply.model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } })]
  let index = 0
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    out.push(ev('content_block_start', { index, content_block: start }))
    if (index === 0 && options.ping) out.push(ev('ping'))
    for (const delta of deltas) out.push(ev('content_block_delta', { index, delta }))
    out.push(ev('content_block_stop', { index }))
    index++
  }
  if (reply.reasoning) {
    const thinking = reply.reasoning.map((t) => ({ type: 'thinking_delta', thinking: t }))
    block({ type: 'thinking', thinking: '', signature: '' }, [...thinking, { type: 'signature_delta', signature: options.signature ?? '' }])
  }
  if (reply.text) block({ type: 'text', text: '' }, reply.text.map((t) => ({ type: 'text_delta', text: t })))
  for (const c of calls(reply)) {
    block({ type: 'tool_use', id: c.id, name: c.name, input: {} }, c.arguments.map((p) => ({ type: 'input_json_delta', partial_json: p })))
  }
  if (options.unknownEvent) out.push(ev('future_event_type', { surprise: true }))
  out.push(ev('message_delta', { delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: options.usage.output_tokens } }))
  out.push(ev('message_stop'))
  return out
}

/** An Anthropic error body (`type` such as invalid_request_error, overloaded_error). */
export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } }
}

// ---- OpenAI Chat Completions ----

export interface OpenAIUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens: number }
}

export interface OpenAIOptions {
  usage: OpenAIUsage
  /** OpenAI sends one on every answer and chunk; vLLM and most compatible servers none. */
  systemFingerprint?: string
  /** Only in a JSON answer: OpenAI's service_tier. */
  serviceTier?: string
}

export interface OpenAIStreamOptions extends OpenAIOptions {
  /** stream_options.include_usage: a last chunk with no choices and the usage. */
  includeUsage?: boolean
  /** With includeUsage, `"usage": null` on every other chunk, as OpenAI sends (vLLM leaves it out). Default true. */
  nullUsage?: boolean
}

/** One OpenAI SSE event: a bare `data:` line. */
export function openaiSSE(chunk: Record<string, unknown>): string {
  return formatSSE(undefined, JSON.stringify(chunk))
}

/** The terminator of an OpenAI stream. */
export const OPENAI_DONE = formatSSE(undefined, '[DONE]')

const finishReason = (reply: WireReply) => (calls(reply).length > 0 ? 'tool_calls' : 'stop')
const fingerprint = (options: OpenAIOptions) => (options.systemFingerprint === undefined ? {} : { system_fingerprint: options.systemFingerprint })

/** The answer of POST /v1/chat/completions without `stream`; reasoning goes in `reasoning_content`, as vLLM puts it. */
export function openaiCompletion(reply: WireReply, options: OpenAIOptions): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.text ? reply.text.join('') : null, refusal: null }
  if (reply.reasoning) message.reasoning_content = reply.reasoning.join('')
  if (calls(reply).length > 0) message.tool_calls = calls(reply).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments.join('') } }))
  return {
    id: reply.id,
    object: 'chat.completion',
    created: CREATED,
    model: reply.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: options.usage,
    ...fingerprint(options),
    ...(options.serviceTier === undefined ? {} : { service_tier: options.serviceTier }),
  }
}

/**
 * The chunks of POST /v1/chat/completions with `stream: true`, each as SSE text, as vLLM streams
 * them: the role, reasoning (delta.reasoning), text, each tool call's name then its argument
 * fragments, the finish reason, the usage when asked for, and [DONE].
 */
export function openaiStream(reply: WireReply, options: OpenAIStreamOptions): string[] {
  const base = { id: reply.id, object: 'chat.completion.chunk', created: CREATED, model: reply.model, ...fingerprint(options) }
  const nullUsage = options.includeUsage && options.nullUsage !== false ? { usage: null } : {}
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => openaiSSE({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...nullUsage })
  const out = [chunk({ role: 'assistant', content: '' })]
  for (const piece of reply.reasoning ?? []) out.push(chunk({ reasoning: piece }))
  for (const piece of reply.text ?? []) out.push(chunk({ content: piece }))
  calls(reply).forEach((c, index) => {
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }))
    for (const piece of c.arguments) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  })
  out.push(chunk({}, finishReason(reply)))
  if (options.includeUsage) out.push(openaiSSE({ ...base, choices: [], usage: options.usage }))
  out.push(OPENAI_DONE)
  return out
}

/** An OpenAI error body. */
export function openaiError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } }
}

// ---- OpenAI Responses ----

export interface ResponsesWireUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

export interface ResponsesOptions {
  usage: ResponsesWireUsage
  /** The reasoning item's encrypted_content, as OpenAI returns it when asked (include). */
  encryptedContent?: string
}

/** The output items of a reply as OpenAI lists them: reasoning (as a summary), the message, each function call. */
function responsesOutput(reply: WireReply, options: ResponsesOptions): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  if (reply.reasoning) {
    out.push({ id: `rs_${reply.id}`, type: 'reasoning', summary: [{ type: 'summary_text', text: reply.reasoning.join('') }], ...(options.encryptedContent ? { encrypted_content: options.encryptedContent } : {}) })
  }
  if (reply.text) {
    out.push({ id: `msg_${reply.id}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: reply.text.join(''), annotations: [], logprobs: [] }] })
  }
  calls(reply).forEach((c, i) => out.push({ id: `fc_${reply.id}_${i}`, type: 'function_call', status: 'completed', call_id: c.id, name: c.name, arguments: c.arguments.join('') }))
  return out
}

function responsesObject(reply: WireReply, status: string, output: unknown[], usage: ResponsesWireUsage | null): Record<string, unknown> {
  return {
    id: reply.id,
    object: 'response',
    created_at: CREATED,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: reply.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    metadata: {},
  }
}

/** The answer of POST /v1/responses without `stream`. */
export function responsesResponse(reply: WireReply, options: ResponsesOptions): Record<string, unknown> {
  return responsesObject(reply, 'completed', responsesOutput(reply, options), options.usage)
}

/**
 * The events of POST /v1/responses with `stream: true`, each as SSE text (named events, a
 * sequence_number on each), as OpenAI streams them: created, in_progress, each output item with its
 * parts and deltas, completed with the whole output and the usage. No [DONE].
 */
export function responsesStream(reply: WireReply, options: ResponsesOptions): string[] {
  let seq = 0
  const ev = (type: string, data: Record<string, unknown>) => formatSSE(type, JSON.stringify({ type, sequence_number: seq++, ...data }))
  const output = responsesOutput(reply, options)
  const out = [ev('response.created', { response: responsesObject(reply, 'in_progress', [], null) }), ev('response.in_progress', { response: responsesObject(reply, 'in_progress', [], null) })]
  output.forEach((item, index) => {
    const id = item.id as string
    if (item.type === 'reasoning') {
      out.push(ev('response.output_item.added', { output_index: index, item: { id, type: 'reasoning', summary: [] } }))
      out.push(ev('response.reasoning_summary_part.added', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }))
      for (const piece of reply.reasoning!) out.push(ev('response.reasoning_summary_text.delta', { item_id: id, output_index: index, summary_index: 0, delta: piece }))
      const text = reply.reasoning!.join('')
      out.push(ev('response.reasoning_summary_text.done', { item_id: id, output_index: index, summary_index: 0, text }))
      out.push(ev('response.reasoning_summary_part.done', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text } }))
    } else if (item.type === 'message') {
      out.push(ev('response.output_item.added', { output_index: index, item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }))
      out.push(ev('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }))
      for (const piece of reply.text!) out.push(ev('response.output_text.delta', { item_id: id, output_index: index, content_index: 0, delta: piece, logprobs: [] }))
      const text = reply.text!.join('')
      out.push(ev('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] }))
      out.push(ev('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } }))
    } else {
      const call = calls(reply)[index - output.findIndex((o) => o.type === 'function_call')]!
      out.push(ev('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } }))
      for (const piece of call.arguments) out.push(ev('response.function_call_arguments.delta', { item_id: id, output_index: index, delta: piece }))
      out.push(ev('response.function_call_arguments.done', { item_id: id, output_index: index, arguments: call.arguments.join('') }))
    }
    out.push(ev('response.output_item.done', { output_index: index, item }))
  })
  out.push(ev('response.completed', { response: responsesObject(reply, 'completed', output, options.usage) }))
  return out
}
