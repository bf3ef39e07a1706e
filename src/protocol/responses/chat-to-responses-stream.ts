// OpenAI Chat Completions SSE (vLLM, KServe, OpenAI) -> Responses API SSE, for a Responses client
// (Codex, the OpenAI SDKs' responses.*) on a Chat Completions backend. Reasoning (vLLM's
// `reasoning`, or the older `reasoning_content`) becomes a reasoning item, content a message item,
// each tool call a function_call item. Tool calls are held until complete (the next call, other
// output or the finish reason) and then sent whole, arguments included. An upstream error or a
// malformed chunk ends the stream with response.failed: never a throw into the response.
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { createId } from '../convert/create-id'
import { plainContentDelta, unescapedLength } from '../convert/create-openai-to-anthropic-stream'
import { createSSETransform, type SSEHandler } from '../convert/create-sse-transform'
import { isRecord } from '../convert/is-record'
import { readChatChunk } from '../convert/read-upstream-event'
import type { SSEEvent } from '../sse/sse-event'
import type { TokenUsage, UsageListener } from '../usage'
import { completeArguments } from './complete-arguments'
import { accountedUsage, chatUsageToResponses } from './convert-responses-usage'
import { outcomeOfFinishReason } from './map-responses-status'
import { responsesErrorCode } from './responses-error-code'
import { responsesUsage } from './response-object'
import { ResponsesStreamWriter } from './responses-stream-writer'
import { clientToolName } from './tool-name'
import type { NamespacedNames, ResponseEcho, ResponsesUsage } from './types'

export interface ChatToResponsesStreamOptions {
  /** The public model name to report. */
  model: string
  echo: ResponseEcho | null
  namespaced: NamespacedNames | null
  /** The gateway's estimate of the input, counted when the upstream reports no usage. */
  inputTokens: number
  responseId?: string
  createdAt?: number
  /** Called once when the stream ends (or fails), with every prompt token counted as input. */
  onUsage?: UsageListener
}

interface ToolState {
  id: string | undefined
  name: string
  args: string
}

export function createChatToResponsesStream(options: ChatToResponsesStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(chatToResponsesChunks(options))
}

/** The same conversion as a synchronous chunk transform, as the relay runs it. */
export function chatToResponsesChunks(options: ChatToResponsesStreamOptions): ChunkTransform {
  return createSSETransform((enqueue) => new ChatToResponsesConverter(options, enqueue), { endsBrokenStreams: true })
}

/** The state of one stream, in one object (see the Anthropic twin for why a class). */
class ChatToResponsesConverter implements SSEHandler {
  private readonly writer: ResponsesStreamWriter
  private tools: Map<number, ToolState> | undefined = undefined
  private openTool: number | undefined = undefined
  private finishReason: unknown = null
  private usage: unknown = undefined
  private outputChars = 0
  /** Chunks that carried output: OpenAI-format backends stream about one token a chunk. */
  private outputChunks = 0
  private ended = false

  constructor(
    private readonly options: ChatToResponsesStreamOptions,
    enqueue: (sseText: string) => void,
  ) {
    this.writer = new ResponsesStreamWriter(options, enqueue)
  }

  event(event: SSEEvent): void {
    if (this.ended) return
    if (event.data === '[DONE]') return this.finish()
    if (event.data === '' && event.event !== 'error') return
    if (event.event === undefined) {
      const json = plainContentDelta(event.data)
      if (json !== null) {
        if (this.finishReason === null && json !== '') {
          this.flushTool()
          this.outputChars += unescapedLength(json)
          this.outputChunks++
          this.writer.textJson(json)
        } else this.writer.start()
        return
      }
    }
    const read = readChatChunk(event)
    if (read.kind === 'error') return this.failWith(responsesErrorCode(read.type), read.message)
    if (read.kind === 'malformed') return this.failWith('server_error', 'the upstream sent a malformed stream chunk')
    this.chunk(read.data)
  }

  end(): void {
    this.finish()
  }

  fail(message: string): void {
    this.failWith('server_error', message)
  }

  private chunk(data: Record<string, unknown>) {
    this.writer.start()
    const charsBefore = this.outputChars
    if (isRecord(data.usage)) this.usage = data.usage
    const choices = Array.isArray(data.choices) ? data.choices : []
    const choice = choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined))
    if (isRecord(choice) && this.finishReason === null) {
      const d = isRecord(choice.delta) ? choice.delta : {}
      const reasoning = typeof d.reasoning === 'string' ? d.reasoning : typeof d.reasoning_content === 'string' ? d.reasoning_content : ''
      if (reasoning !== '') this.say(reasoning, true)
      if (typeof d.content === 'string' && d.content !== '') this.say(d.content, false)
      if (typeof d.refusal === 'string' && d.refusal !== '') this.say(d.refusal, false)
      // An empty tool_calls array beside content means nothing.
      if (Array.isArray(d.tool_calls)) for (const call of d.tool_calls) if (isRecord(call)) this.toolDelta(call)
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        this.finishReason = choice.finish_reason
        this.flushTool()
      }
    }
    if (this.outputChars > charsBefore) this.outputChunks++
    // The usage chunk comes after the finish_reason chunk when include_usage was asked for.
    if (this.finishReason !== null && isRecord(this.usage)) this.finish()
  }

  private say(text: string, reasoning: boolean) {
    this.flushTool()
    this.outputChars += text.length
    if (reasoning) this.writer.reasoning(text)
    else this.writer.text(text)
  }

  private toolKeyFor(call: Record<string, unknown>, tools: Map<number, ToolState>): number {
    if (typeof call.index === 'number') return call.index
    // Some backends leave out `index`; a new id means a new call, no id continues the last one.
    if (typeof call.id === 'string' && call.id !== '') {
      for (const [key, tool] of tools) if (tool.id === call.id) return key
      return 1_000_000 + tools.size
    }
    return this.openTool ?? 0
  }

  private toolDelta(call: Record<string, unknown>) {
    const tools = (this.tools ??= new Map())
    const key = this.toolKeyFor(call, tools)
    // Calls stream one after another; a fragment for one already sent cannot be placed and is dropped.
    if (key !== this.openTool) {
      if (tools.has(key)) return
      this.flushTool()
      tools.set(key, { id: undefined, name: '', args: '' })
      this.openTool = key
    }
    const tool = tools.get(key)!
    const fn = isRecord(call.function) ? call.function : {}
    if (tool.id === undefined && typeof call.id === 'string' && call.id !== '') tool.id = call.id
    if (tool.name === '' && typeof fn.name === 'string') tool.name = fn.name
    if (typeof fn.arguments === 'string') {
      tool.args += fn.arguments
      this.outputChars += fn.arguments.length
    }
  }

  /** Sends the call being collected, whole; a call that never got a name is dropped. */
  private flushTool() {
    const key = this.openTool
    if (key === undefined) return
    this.openTool = undefined
    const tool = this.tools!.get(key)!
    if (tool.name === '') return
    this.writer.functionCall({ callId: tool.id ?? createId('call_'), ...clientToolName(tool.name, this.options.namespaced), arguments: completeArguments(tool.args) })
  }

  /** See ChunkTransform.usageSoFar: what a stream cut short has cost, until the end was reported. */
  usageSoFar(): TokenUsage | null {
    if (this.ended || this.outputChunks === 0) return null
    const usage = this.responseUsage()
    return { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }
  }

  private responseUsage(): ResponsesUsage {
    return chatUsageToResponses(this.usage) ?? responsesUsage(this.options.inputTokens, 0, this.outputChunks, 0)
  }

  private finish() {
    if (this.ended) return
    this.ended = true
    this.flushTool()
    const usage = this.responseUsage()
    this.writer.complete(outcomeOfFinishReason(this.finishReason), usage)
    this.options.onUsage?.(accountedUsage(usage))
  }

  private failWith(code: string, message: string) {
    if (this.ended) return
    this.ended = true
    // A call still being collected is left out: it may be cut short.
    this.openTool = undefined
    const usage = this.responseUsage()
    this.writer.fail(code, message, usage)
    this.options.onUsage?.(accountedUsage(usage))
  }
}
