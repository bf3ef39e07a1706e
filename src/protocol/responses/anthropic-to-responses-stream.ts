// Anthropic Messages SSE -> Responses API SSE, for a Responses client (Codex, the OpenAI SDKs'
// responses.*) on an Anthropic backend. Each thinking block becomes a reasoning item whose
// signature travels as the item's encrypted_content (the client sends the item back, and the
// request translation turns it into the signed thinking block Anthropic wants again), text becomes
// a message item, each tool_use a function_call item, sent once its input is complete. An `error`
// event, a malformed one, or a stream that ends before message_stop ends with response.failed.
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { createSSETransform, type SSEHandler } from '../convert/create-sse-transform'
import { isRecord } from '../convert/is-record'
import { readAnthropicEvent } from '../convert/read-upstream-event'
import type { SSEEvent } from '../sse/sse-event'
import { anthropicDeltaTokens } from '../delivered-tokens'
import type { TokenUsage, UsageListener } from '../usage'
import { completeArguments } from './complete-arguments'
import { accountedUsage, anthropicCacheCreation, anthropicUsageToResponses } from './convert-responses-usage'
import { outcomeOfStopReason } from './map-responses-status'
import { responsesErrorCode } from './responses-error-code'
import { ResponsesStreamWriter } from './responses-stream-writer'
import { clientToolName } from './tool-name'
import type { NamespacedNames, ResponseEcho } from './types'

export interface AnthropicToResponsesStreamOptions {
  model: string
  echo: ResponseEcho | null
  namespaced: NamespacedNames | null
  responseId?: string
  createdAt?: number
  /** Called once when the stream ends (or fails), with every prompt token counted as input. */
  onUsage?: UsageListener
}

export function createAnthropicToResponsesStream(options: AnthropicToResponsesStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(anthropicToResponsesChunks(options))
}

/** The same conversion as a synchronous chunk transform, as the relay runs it. */
export function anthropicToResponsesChunks(options: AnthropicToResponsesStreamOptions): ChunkTransform {
  return createSSETransform((enqueue) => new AnthropicToResponsesConverter(options, enqueue), { endsBrokenStreams: true })
}

class AnthropicToResponsesConverter implements SSEHandler {
  private readonly writer: ResponsesStreamWriter
  /** The tool_use block being collected, by its Anthropic index. */
  private tool: { index: number; id: string; name: string; json: string } | undefined = undefined
  private thinkingIndex = -1
  private stopReason: unknown = null
  private sawStop = false
  private ended = false
  private readonly usage: Record<string, number> = {}
  /** Output tokens sent so far, estimated from the deltas, for a stream cut short. */
  private delivered = 0

  constructor(
    private readonly options: AnthropicToResponsesStreamOptions,
    enqueue: (sseText: string) => void,
  ) {
    this.writer = new ResponsesStreamWriter(options, enqueue)
  }

  event(event: SSEEvent): void {
    if (this.ended) return
    const read = readAnthropicEvent(event)
    if (read.kind === 'error') return this.failWith(responsesErrorCode(read.type), read.message)
    if (read.kind === 'malformed') return this.failWith('server_error', 'the upstream sent a malformed stream event')
    if (read.kind === 'event') this.handle(read.type, read.data)
  }

  end(): void {
    if (this.ended) return
    // An Anthropic stream always ends with message_stop; without it the answer was cut short.
    if (!this.sawStop) return this.failWith('server_error', 'the upstream stream ended before message_stop')
    this.finish()
  }

  fail(message: string): void {
    this.failWith('server_error', message)
  }

  /** See ChunkTransform.usageSoFar: what a stream cut short has cost, until the end was reported. */
  usageSoFar(): TokenUsage | null {
    if (this.ended || this.delivered === 0) return null
    const usage = anthropicUsageToResponses(this.usage)
    return { input_tokens: usage.input_tokens, output_tokens: Math.max(usage.output_tokens, this.delivered) }
  }

  private handle(type: unknown, data: Record<string, unknown>) {
    const index = typeof data.index === 'number' ? data.index : -1
    // Content after message_delta cannot belong to the answer any more.
    if (this.stopReason !== null && (type === 'content_block_start' || type === 'content_block_delta')) return
    switch (type) {
      case 'message_start':
        if (isRecord(data.message)) this.mergeUsage(data.message.usage)
        this.writer.start()
        return
      case 'content_block_start': {
        this.writer.start()
        this.flushTool()
        const block = isRecord(data.content_block) ? data.content_block : {}
        if (block.type === 'tool_use') {
          this.tool = { index, id: String(block.id ?? ''), name: String(block.name ?? ''), json: '' }
        } else if (block.type === 'thinking') {
          // Each thinking block is its own reasoning item: each has a signature of its own.
          this.writer.closeItem()
          this.thinkingIndex = index
          if (typeof block.thinking === 'string') this.writer.reasoning(block.thinking)
        } else if (block.type === 'text' && typeof block.text === 'string') {
          this.writer.text(block.text)
        }
        return
      }
      case 'content_block_delta': {
        this.writer.start()
        const d = isRecord(data.delta) ? data.delta : {}
        const piece = typeof d.text === 'string' ? d.text : typeof d.thinking === 'string' ? d.thinking : typeof d.partial_json === 'string' ? d.partial_json : ''
        if (piece !== '') this.delivered += anthropicDeltaTokens(piece.length)
        if (d.type === 'input_json_delta') {
          if (this.tool?.index === index && typeof d.partial_json === 'string') this.tool.json += d.partial_json
        } else if (d.type === 'text_delta' && typeof d.text === 'string') {
          this.flushTool()
          this.writer.text(d.text)
        } else if (d.type === 'thinking_delta' && typeof d.thinking === 'string' && index === this.thinkingIndex) {
          this.writer.reasoning(d.thinking)
        } else if (d.type === 'signature_delta' && typeof d.signature === 'string' && index === this.thinkingIndex) {
          this.writer.reasoningSignature(d.signature)
        }
        // citations_delta and delta types that do not exist yet have no Responses twin here.
        return
      }
      case 'content_block_stop':
        if (this.tool?.index === index) this.flushTool()
        else if (index === this.thinkingIndex) {
          this.thinkingIndex = -1
          this.writer.closeItem()
        }
        return
      case 'message_delta': {
        this.mergeUsage(data.usage)
        const d = isRecord(data.delta) ? data.delta : {}
        if (this.stopReason === null) this.stopReason = d.stop_reason ?? 'end_turn'
        return
      }
      case 'message_stop':
        this.sawStop = true
        this.finish()
        return
      default:
        // ping and event types that do not exist yet carry nothing to forward.
        return
    }
  }

  private mergeUsage(u: unknown) {
    if (!isRecord(u)) return
    for (const [key, value] of Object.entries(u)) if (typeof value === 'number') this.usage[key] = value
  }

  private flushTool() {
    const tool = this.tool
    if (!tool) return
    this.tool = undefined
    if (tool.name === '' || tool.id === '') return
    this.writer.functionCall({ callId: tool.id, ...clientToolName(tool.name, this.options.namespaced), arguments: completeArguments(tool.json) })
  }

  private finish() {
    if (this.ended) return
    this.ended = true
    this.flushTool()
    const usage = anthropicUsageToResponses(this.usage)
    this.writer.complete(outcomeOfStopReason(this.stopReason), usage)
    this.options.onUsage?.(accountedUsage(usage, anthropicCacheCreation(this.usage)))
  }

  private failWith(code: string, message: string) {
    if (this.ended) return
    this.ended = true
    // A tool_use still being collected is left out: its input may be cut short.
    this.tool = undefined
    const usage = anthropicUsageToResponses(this.usage)
    this.writer.fail(code, message, usage)
    this.options.onUsage?.(accountedUsage(usage, anthropicCacheCreation(this.usage)))
  }
}
