// Relays a same-format SSE stream event by event: rewrites `model` to the routed public name when
// it differs from what the upstream reports, reads usage for accounting, and can hide the usage-only
// chunk the gateway asked an OpenAI upstream for on the client's behalf. Events the gateway does not
// touch pass through as they came.

import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { formatSSE } from '../sse/encode-sse'
import { SSEDecoder } from '../sse/sse-decoder'
import type { SSEEvent } from '../sse/sse-event'
import type { TokenUsage, UsageListener } from '../usage'
import type { BackendWireFormat } from '../vocabulary'
import { anthropicDeltaChars, anthropicDeltaTokens, openAIChunkHasOutput } from '../delivered-tokens'
import { readAnthropicUsage, readOpenAIUsage } from '../read-usage'

export interface PassthroughStreamOptions {
  format: BackendWireFormat
  /** The public model name to report, or null to leave `model` as the upstream sent it. */
  model: string | null
  /** Drop OpenAI's `choices: []` usage chunk (the client did not ask for it). */
  hideUsageChunk?: boolean
  onUsage?: UsageListener
  /** Input tokens to charge if the stream ends before the upstream reported any (an estimate). */
  inputTokensEstimate?: number
}

const HAS_USAGE = /"usage"\s*:\s*\{/
const MODEL_VALUE = /"model"\s*:\s*"([^"\\]*)"/

/**
 * Sets the first `"model": "..."` of a chunk without a JSON round trip: in JSON text a literal
 * `"model"` can only be a key (quotes inside strings are escaped), and OpenAI chunks carry it at
 * the top level. Values with escapes fall back to parsing.
 */
export function replaceModel(data: string, model: string): string {
  const m = MODEL_VALUE.exec(data)
  if (m) return m[1] === model ? data : `${data.slice(0, m.index)}"model":${JSON.stringify(model)}${data.slice(m.index + m[0].length)}`
  if (!data.includes('"model"')) return data
  try {
    const parsed = JSON.parse(data) as Record<string, unknown>
    if (parsed && typeof parsed === 'object' && 'model' in parsed) parsed.model = model
    return JSON.stringify(parsed)
  } catch {
    return data
  }
}

/** With include_usage, OpenAI puts `"usage":null` on every chunk; a client that did not ask sees none. */
function stripNullUsage(data: string): string {
  if (!data.includes('"usage":null')) return data
  return data.replace(',"usage":null', '').replace('"usage":null,', '')
}

const encoder = new TextEncoder()

export function createPassthroughStream(options: PassthroughStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(passthroughChunks(options))
}

/** The same relay as a synchronous chunk transform, as the proxy runs it. */
export function passthroughChunks(options: PassthroughStreamOptions): ChunkTransform {
  const usage: TokenUsage = { input_tokens: 0, output_tokens: 0 }
  let sawUsage = false
  /** The answer's own final count arrived (Anthropic's message_delta, OpenAI's usage chunk). */
  let usageFinal = false
  let sentAny = false
  /** Output tokens delivered so far, estimated (../delivered-tokens.ts). */
  let delivered = 0
  const { model, format } = options

  const merge = (u: Partial<TokenUsage>) => {
    if (u.input_tokens !== undefined && u.input_tokens > 0) usage.input_tokens = u.input_tokens
    if (u.output_tokens !== undefined) usage.output_tokens = u.output_tokens
    if (u.cache_read_tokens) usage.cache_read_tokens = u.cache_read_tokens
    if (u.cache_creation_tokens) usage.cache_creation_tokens = u.cache_creation_tokens
    sawUsage = true
  }

  function rewrite(event: SSEEvent): string | null {
    const data = event.data
    sentAny = true
    if (format === 'openai') {
      if (data === '[DONE]' || !HAS_USAGE.test(data)) {
        if (openAIChunkHasOutput(data)) delivered++
        const text = options.hideUsageChunk ? stripNullUsage(data) : data
        return formatSSE(event.event, model === null ? text : replaceModel(text, model))
      }
    } else if (event.event !== 'message_start' && event.event !== 'message_delta') {
      if (event.event === 'content_block_delta') delivered += anthropicDeltaTokens(anthropicDeltaChars(data))
      return formatSSE(event.event, data)
    }
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(data) as Record<string, unknown>
    } catch {
      return formatSSE(event.event, data)
    }
    // Not an object (null, a number...): nothing to read or rewrite; pass it on as it came.
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return formatSSE(event.event, data)
    if (format === 'anthropic') {
      const message = parsed.message as Record<string, unknown> | null | undefined
      if (parsed.type === 'message_start' && message !== null && typeof message === 'object' && !Array.isArray(message)) {
        if (model !== null && 'model' in message) message.model = model
        merge(readAnthropicUsage(message.usage))
      } else if (parsed.type === 'message_delta') {
        merge(readAnthropicUsage(parsed.usage))
        usageFinal = true
        return formatSSE(event.event, data)
      }
    } else {
      if (model !== null && 'model' in parsed) parsed.model = model
      merge(readOpenAIUsage(parsed.usage))
      usageFinal = true
      if (options.hideUsageChunk) {
        if (Array.isArray(parsed.choices) && parsed.choices.length === 0) return null
        delete parsed.usage
      }
    }
    return formatSSE(event.event, JSON.stringify(parsed))
  }

  const decoder = new SSEDecoder()
  const emit = (events: SSEEvent[]): Uint8Array | null => {
    let out = ''
    for (const event of events) {
      const text = rewrite(event)
      if (text !== null) out += text
    }
    return out ? encoder.encode(out) : null
  }

  return {
    push: (chunk) => emit(decoder.push(chunk)),
    end() {
      const out = emit(decoder.end())
      // A stream that ended without its final count (Anthropic's `error` event mid-answer, then a
      // clean close) has only message_start's output of 1: what went out is charged instead.
      if (sawUsage) options.onUsage?.(usageFinal ? usage : { ...usage, output_tokens: Math.max(usage.output_tokens, delivered) })
      return out
    },
    usageSoFar() {
      if (!sentAny) return null
      return { input_tokens: usage.input_tokens || (options.inputTokensEstimate ?? 0), output_tokens: Math.max(usage.output_tokens, delivered) }
    },
  }
}
