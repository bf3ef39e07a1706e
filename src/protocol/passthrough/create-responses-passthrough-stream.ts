// Relays a Responses API stream from a backend that serves the API itself (`responses: native`)
// event by event: only the lifecycle events (response.created ... response.completed, the ones
// that carry the `response` object) are parsed, to set its `model` to the routed public name and
// to read the usage of the terminal one; every other event passes through as it came. A stream
// that breaks ends with the API's `error` event, numbered after the last event relayed.
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { formatSSE } from '../sse/encode-sse'
import { SSEDecoder } from '../sse/sse-decoder'
import type { SSEEvent } from '../sse/sse-event'
import type { TokenUsage, UsageListener } from '../usage'
import { anthropicDeltaTokens, stringValueChars } from '../delivered-tokens'
import { readResponsesUsage } from '../read-usage'

export interface ResponsesPassthroughOptions {
  /** The public model name to report. */
  model: string
  onUsage?: UsageListener
  /** The input charged for a stream cut short before its terminal event reported usage. */
  inputTokensEstimate?: number
}

// In JSON text a literal `"response":{` can only be a key (quotes inside strings are escaped);
// only lifecycle events have one at the top level, and no other event nests one.
const LIFECYCLE = /"response"\s*:\s*\{/
/** Events that carry output text or tool arguments in `delta`, counted for a stream cut short. */
const OUTPUT_DELTA = /^response\.(?:output_text|function_call_arguments|reasoning_summary_text|reasoning_text)\.delta$/
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])
const encoder = new TextEncoder()

export function createResponsesPassthroughStream(options: ResponsesPassthroughOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(responsesPassthroughChunks(options))
}

export function responsesPassthroughChunks(options: ResponsesPassthroughOptions): ChunkTransform {
  const decoder = new SSEDecoder()
  let usage: Partial<TokenUsage> | null = null
  let relayed = 0
  let reported = false
  /** Output tokens sent so far, estimated from the deltas' characters (about four a token). */
  let delivered = 0

  function rewrite(event: SSEEvent): string {
    relayed++
    if (event.event !== undefined && OUTPUT_DELTA.test(event.event)) delivered += anthropicDeltaTokens(stringValueChars(event.data, '"delta":"'))
    if (!LIFECYCLE.test(event.data)) return formatSSE(event.event, event.data)
    let parsed: unknown
    try {
      parsed = JSON.parse(event.data)
    } catch {
      return formatSSE(event.event, event.data)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return formatSSE(event.event, event.data)
    const record = parsed as Record<string, unknown>
    const response = record.response as Record<string, unknown> | null
    if (response === null || typeof response !== 'object' || Array.isArray(response)) return formatSSE(event.event, event.data)
    if ('model' in response) response.model = options.model
    if (TERMINAL.has(record.type as string)) usage = readResponsesUsage(response.usage)
    return formatSSE(event.event, JSON.stringify(record))
  }

  function emit(events: SSEEvent[]): Uint8Array | null {
    let out = ''
    for (const event of events) out += rewrite(event)
    return out ? encoder.encode(out) : null
  }

  function report() {
    if (reported) return
    reported = true
    if (usage && (usage.input_tokens !== undefined || usage.output_tokens !== undefined)) {
      options.onUsage?.({ input_tokens: usage.input_tokens ?? 0, output_tokens: usage.output_tokens ?? 0, ...(usage.cache_read_tokens ? { cache_read_tokens: usage.cache_read_tokens } : {}) })
    }
  }

  return {
    push: (chunk) => emit(decoder.push(chunk)),
    end() {
      const out = emit(decoder.end())
      report()
      return out
    },
    usageSoFar() {
      if (reported || relayed === 0) return null
      return { input_tokens: usage?.input_tokens ?? options.inputTokensEstimate ?? 0, output_tokens: Math.max(usage?.output_tokens ?? 0, delivered) }
    },
    fail(message) {
      report()
      const data = JSON.stringify({ type: 'error', code: 'server_error', message, param: null, sequence_number: relayed })
      return encoder.encode(formatSSE('error', data))
    },
  }
}
