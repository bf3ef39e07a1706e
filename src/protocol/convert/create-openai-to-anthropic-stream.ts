// OpenAI Chat Completions SSE (from an OpenAI-compatible backend) -> Anthropic Messages SSE.
// State lives in one object per stream. Blocks open lazily: reasoning opens a thinking block, content a
// text block, each new tool call a tool_use block; switching kind closes the open block, so block
// indexes are always consecutive and every delta targets the one open block. An upstream error or
// a malformed chunk becomes a final Anthropic `error` event: never a throw into the response.
//
// Tool arguments are held back until their block closes and then sent as one input_json_delta,
// only if they form a JSON object. Streamed piecemeal, a stream cut mid-call would hand the client
// a prefix (`{"command": "rm -rf /`) that SDKs parse leniently and could run; held back, a cut or
// malformed call arrives with input {} and fails the tool's own validation instead.
import type { SSEEvent } from '../sse/sse-event'
import { convertOpenAIUsage, type AnthropicUsageOut } from './convert-openai-usage'
import { createId } from './create-id'
import type { UsageListener } from '../usage'
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { createSSETransform, type SSEHandler } from './create-sse-transform'
import { isRecord } from './is-record'
import { mapOpenAIFinishReason } from './map-openai-finish-reason'
import { readChatChunk } from './read-upstream-event'
import { sanitizeToolId } from './sanitize-tool-id'

/** The cache reads of an answer, for the usage listener; stated only when there are some. */
const cacheRead = (u: AnthropicUsageOut) => (u.cache_read_input_tokens > 0 ? { cache_read_tokens: u.cache_read_input_tokens } : {})

export interface OpenAIToAnthropicStreamOptions {
  /** The public model name to report. */
  model: string
  /** The gateway's estimate, sent in message_start before the upstream has counted anything. */
  inputTokens: number
  messageId?: string
  /** Called once when the stream ends (or fails), with every prompt token counted as input. */
  onUsage?: UsageListener
}

type BlockKind = 'text' | 'thinking' | 'tool'

interface ToolState {
  id: string | undefined
  name: string
  /** All argument text so far; sent when the block closes. */
  args: string
  started: boolean
}

export function createOpenAIToAnthropicStream(options: OpenAIToAnthropicStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(openAIToAnthropicChunks(options))
}

/** The same conversion as a synchronous chunk transform, as the relay runs it. */
export function openAIToAnthropicChunks(options: OpenAIToAnthropicStreamOptions): ChunkTransform {
  return createSSETransform((enqueue) => new OpenAIToAnthropicConverter(options, enqueue))
}

/**
 * The state machine of one stream. A class rather than closures: a thousand open streams would
 * otherwise hold a thousand copies of each of its functions.
 */
class OpenAIToAnthropicConverter implements SSEHandler {
  private readonly messageId: string
  private started = false
  private finished = false
  private nextIndex = 0
  private open: { index: number; kind: BlockKind; toolKey?: number } | undefined = undefined
  private tools: Map<number, ToolState> | undefined = undefined
  private lastToolKey: number | undefined = undefined
  private usedIds: Set<string> | undefined = undefined
  private finishReason: unknown = null
  private stopSequence: string | null = null
  private usage: unknown = undefined
  private sawToolUse = false
  private outputChars = 0
  /** Chunks that carried output: about one token each from OpenAI-format backends. */
  private outputChunks = 0

  constructor(
    private readonly options: OpenAIToAnthropicStreamOptions,
    private readonly enqueue: (sseText: string) => void,
  ) {
    this.messageId = options.messageId ?? createId('msg_')
  }

  event(event: SSEEvent): void {
    if (this.finished) return
    if (event.data === '[DONE]') return this.finish()
    if (event.data === '' && event.event !== 'error') return
    if (event.event === undefined) {
      const json = plainContentDelta(event.data)
      if (json !== null) {
        this.start()
        // The estimate counts characters of text, not of escapes (`\u00e9` is one).
        if (this.finishReason === null && json !== '') {
          this.outputChunks++
          this.deltaJson('text', json, unescapedLength(json))
        }
        return
      }
    }
    const read = readChatChunk(event)
    if (read.kind === 'error') return this.failWith(read.type, read.message)
    if (read.kind === 'malformed') return this.failWith('api_error', 'the upstream sent a malformed stream chunk')
    this.chunk(read.data)
  }

  end(): void {
    this.finish()
  }

  fail(message: string): void {
    this.failWith('api_error', message)
  }

  usageSoFar(): { input_tokens: number; output_tokens: number } | null {
    if (!this.started) return null
    const u = convertOpenAIUsage(this.usage, this.options.inputTokens)
    return { input_tokens: u.input_tokens + u.cache_read_input_tokens, output_tokens: isRecord(this.usage) ? u.output_tokens : this.outputChunks }
  }

  // JSON.stringify never writes a raw line break, so each event is one `data:` line.
  private emit(type: string, data: Record<string, unknown>) {
    this.enqueue(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  }

  private start() {
    if (this.started) return
    this.started = true
    this.emit('message_start', {
      message: {
        id: this.messageId,
        type: 'message',
        role: 'assistant',
        model: this.options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.options.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    })
  }

  private closeOpen() {
    const open = this.open
    if (!open) return
    if (open.kind === 'tool') {
      const args = this.tools?.get(open.toolKey!)?.args ?? ''
      if (parsesToObject(args)) this.argsDelta(args)
    }
    this.emit('content_block_stop', { index: open.index })
    this.open = undefined
  }

  private openBlock(kind: BlockKind, contentBlock: Record<string, unknown>, toolKey?: number) {
    this.closeOpen()
    this.open = { index: this.nextIndex++, kind, toolKey }
    this.emit('content_block_start', { index: this.open.index, content_block: contentBlock })
  }

  private delta(kind: 'text' | 'thinking', text: string) {
    this.deltaJson(kind, JSON.stringify(text).slice(1, -1), text.length)
  }

  /** A delta whose text is already a JSON string body (as the fast path reads it), `chars` long. */
  private deltaJson(kind: 'text' | 'thinking', json: string, chars: number) {
    if (this.open?.kind !== kind) {
      this.openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' })
    }
    this.outputChars += chars
    // The most frequent event of all, written without building objects.
    this.enqueue(
      kind === 'text'
        ? `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.open!.index},"delta":{"type":"text_delta","text":"${json}"}}\n\n`
        : `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.open!.index},"delta":{"type":"thinking_delta","thinking":"${json}"}}\n\n`,
    )
  }

  private argsDelta(partialJson: string) {
    if (partialJson === '') return
    this.emit('content_block_delta', { index: this.open!.index, delta: { type: 'input_json_delta', partial_json: partialJson } })
  }

  private toolKeyFor(call: Record<string, unknown>, tools: Map<number, ToolState>): number {
    if (typeof call.index === 'number') return call.index
    // Some backends leave out `index`; a new id means a new call, no id continues the last one.
    if (typeof call.id === 'string' && call.id !== '') {
      for (const [key, tool] of tools) if (tool.id === sanitizeToolId(call.id)) return key
      return 1_000_000 + tools.size
    }
    return this.lastToolKey ?? 0
  }

  private toolDelta(call: Record<string, unknown>) {
    const tools = (this.tools ??= new Map())
    const key = this.toolKeyFor(call, tools)
    this.lastToolKey = key
    const fn = isRecord(call.function) ? call.function : {}
    const name = typeof fn.name === 'string' ? fn.name : ''
    const args = typeof fn.arguments === 'string' ? fn.arguments : ''
    this.outputChars += args.length
    let tool = tools.get(key)
    if (!tool) {
      tool = { id: undefined, name: '', args: '', started: false }
      tools.set(key, tool)
    }
    if (!tool.started) {
      if (tool.id === undefined && typeof call.id === 'string' && call.id !== '') tool.id = sanitizeToolId(call.id)
      if (tool.name === '') tool.name = name
      tool.args += args
      if (tool.name === '') return
      tool.id ??= createId('toolu_')
      // Some backends repeat ids across calls; the client answers by id, so they must differ.
      const usedIds = (this.usedIds ??= new Set())
      if (usedIds.has(tool.id)) tool.id = `${tool.id}_${usedIds.size}`
      usedIds.add(tool.id)
      tool.started = true
      this.sawToolUse = true
      // input stays {} here and the arguments follow as input_json_delta, as Anthropic streams it.
      this.openBlock('tool', { type: 'tool_use', id: tool.id, name: tool.name, input: {} }, key)
      return
    }
    // A fragment for a call whose block already closed cannot be placed: Anthropic blocks
    // never reopen. Backends stream calls one after another, so this only drops garbage.
    if (this.open?.kind === 'tool' && this.open.toolKey === key) tool.args += args
  }

  private finish() {
    if (this.finished) return
    this.start()
    this.closeOpen()
    this.finished = true
    let stopReason = mapOpenAIFinishReason(this.finishReason)
    // vLLM answers tool calls with "stop" at times; the client must still run the tools.
    if (this.sawToolUse && stopReason === 'end_turn') stopReason = 'tool_use'
    else if (this.stopSequence !== null && stopReason === 'end_turn') stopReason = 'stop_sequence'
    const u: AnthropicUsageOut = convertOpenAIUsage(this.usage, this.options.inputTokens)
    if (!isRecord(this.usage)) u.output_tokens = Math.ceil(this.outputChars / 4)
    this.emit('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? this.stopSequence : null },
      usage: u,
    })
    this.emit('message_stop', {})
    this.options.onUsage?.({ input_tokens: u.input_tokens + u.cache_read_input_tokens, output_tokens: u.output_tokens, ...cacheRead(u) })
  }

  private failWith(type: string, message: string) {
    if (this.finished) return
    this.finished = true
    this.emit('error', { error: { type, message } })
    const u = convertOpenAIUsage(this.usage, this.options.inputTokens)
    this.options.onUsage?.({
      input_tokens: u.input_tokens + u.cache_read_input_tokens,
      output_tokens: isRecord(this.usage) ? u.output_tokens : Math.ceil(this.outputChars / 4),
      ...cacheRead(u),
    })
  }

  private chunk(data: Record<string, unknown>) {
    this.start()
    if (isRecord(data.usage)) this.usage = data.usage
    const choices = Array.isArray(data.choices) ? data.choices : []
    const choice = choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined))
    if (isRecord(choice) && this.finishReason === null) {
      const d = isRecord(choice.delta) ? choice.delta : {}
      const reasoning = typeof d.reasoning === 'string' ? d.reasoning : typeof d.reasoning_content === 'string' ? d.reasoning_content : ''
      if (reasoning !== '' || (typeof d.content === 'string' && d.content !== '') || (Array.isArray(d.tool_calls) && d.tool_calls.length > 0)) this.outputChunks++
      if (reasoning !== '') this.delta('thinking', reasoning)
      if (typeof d.content === 'string' && d.content !== '') this.delta('text', d.content)
      if (typeof d.refusal === 'string' && d.refusal !== '') this.delta('text', d.refusal)
      // An empty tool_calls array beside content means nothing; it must not open a block.
      if (Array.isArray(d.tool_calls)) for (const call of d.tool_calls) if (isRecord(call)) this.toolDelta(call)
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        this.finishReason = choice.finish_reason
        if (typeof choice.stop_reason === 'string') this.stopSequence = choice.stop_reason
        this.closeOpen()
      }
    }
    // The usage chunk comes after the finish_reason chunk when include_usage was asked for.
    if (this.finishReason !== null && isRecord(this.usage)) this.finish()
  }
}

// The exact shape of a plain content delta as OpenAI and vLLM serialise it (optional fields they
// add included): one choice, index 0, a delta with nothing but content, no finish reason, no usage.
// The content is matched as a valid JSON string body (no raw control characters, valid escapes).
const PLAIN_CONTENT_CHUNK =
  /^\{"id":"[^"\\]*","object":"chat\.completion\.chunk","created":\d+,"model":"[^"\\]*"(?:,"service_tier":(?:"[^"\\]*"|null))?(?:,"system_fingerprint":(?:"[^"\\]*"|null))?,"choices":\[\{"index":0,"delta":\{"content":"((?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"\}(?:,"logprobs":null)?,"finish_reason":null(?:,"stop_reason":null)?\}\](?:,"usage":null)?(?:,"obfuscation":"[^"\\]*")?\}$/

/**
 * The content of the most common chunk of all, a plain content delta, as the JSON string body the
 * upstream wrote (ready to be written again without decoding), read with one anchored pattern
 * instead of parsing the chunk into objects; null for any other chunk, which is then parsed in full.
 */
export function plainContentDelta(data: string): string | null {
  const m = PLAIN_CONTENT_CHUNK.exec(data)
  return m === null ? null : m[1]!
}

/**
 * The length of the text a JSON string body (without its quotes) stands for, counted without
 * decoding it: an escape is one character (`\u00e9` and `\n` alike), as JSON.parse would give.
 */
export function unescapedLength(json: string): number {
  let length = 0
  let from = 0
  for (let slash = json.indexOf('\\'); slash !== -1; slash = json.indexOf('\\', from)) {
    length += slash - from + 1
    from = slash + (json.charCodeAt(slash + 1) === 117 /* u */ ? 6 : 2)
  }
  return length + Math.max(0, json.length - from)
}

function parsesToObject(json: string): boolean {
  if (json.trim() === '') return false
  try {
    const value: unknown = JSON.parse(json)
    return isRecord(value)
  } catch {
    return false
  }
}
