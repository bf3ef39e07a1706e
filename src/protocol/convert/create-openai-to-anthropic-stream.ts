// OpenAI Chat Completions SSE (from an OpenAI-compatible backend) -> Anthropic Messages SSE.
// State lives in closure variables. Blocks open lazily: reasoning opens a thinking block, content a
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
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { createSSETransform } from './create-sse-transform'
import { isRecord } from './is-record'
import { mapOpenAIErrorType } from './map-openai-error-type'
import { mapOpenAIFinishReason } from './map-openai-finish-reason'
import { sanitizeToolId } from './sanitize-tool-id'

export interface OpenAIToAnthropicStreamOptions {
  /** The public model name to report. */
  model: string
  /** The gateway's estimate, sent in message_start before the upstream has counted anything. */
  inputTokens: number
  messageId?: string
  /** Called once when the stream ends (or fails), with every prompt token counted as input. */
  onUsage?: (usage: { input_tokens: number; output_tokens: number }) => void
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
  return createSSETransform((enqueue) => {
    const messageId = options.messageId ?? createId('msg_')
    let started = false
    let finished = false
    let nextIndex = 0
    let open: { index: number; kind: BlockKind; toolKey?: number } | undefined
    const tools = new Map<number, ToolState>()
    let lastToolKey: number | undefined
    const usedIds = new Set<string>()
    let finishReason: unknown = null
    let stopSequence: string | null = null
    let usage: unknown
    let sawToolUse = false
    let outputChars = 0

    // JSON.stringify never writes a raw line break, so each event is one `data:` line.
    function emit(type: string, data: Record<string, unknown>) {
      enqueue(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
    }

    function start() {
      if (started) return
      started = true
      emit('message_start', {
        message: {
          id: messageId,
          type: 'message',
          role: 'assistant',
          model: options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: options.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      })
    }

    function closeOpen() {
      if (!open) return
      if (open.kind === 'tool') {
        const args = tools.get(open.toolKey!)?.args ?? ''
        if (parsesToObject(args)) argsDelta(args)
      }
      emit('content_block_stop', { index: open.index })
      open = undefined
    }

    function openBlock(kind: BlockKind, contentBlock: Record<string, unknown>, toolKey?: number) {
      closeOpen()
      open = { index: nextIndex++, kind, toolKey }
      emit('content_block_start', { index: open.index, content_block: contentBlock })
    }

    function delta(kind: 'text' | 'thinking', text: string) {
      deltaJson(kind, JSON.stringify(text).slice(1, -1), text.length)
    }

    /** A delta whose text is already a JSON string body (as the fast path reads it), `chars` long. */
    function deltaJson(kind: 'text' | 'thinking', json: string, chars: number) {
      if (open?.kind !== kind) {
        openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' })
      }
      outputChars += chars
      // The most frequent event of all, written without building objects.
      enqueue(
        kind === 'text'
          ? `event: content_block_delta\ndata: {"type":"content_block_delta","index":${open!.index},"delta":{"type":"text_delta","text":"${json}"}}\n\n`
          : `event: content_block_delta\ndata: {"type":"content_block_delta","index":${open!.index},"delta":{"type":"thinking_delta","thinking":"${json}"}}\n\n`,
      )
    }

    function argsDelta(partialJson: string) {
      if (partialJson === '') return
      emit('content_block_delta', { index: open!.index, delta: { type: 'input_json_delta', partial_json: partialJson } })
    }

    function toolKeyFor(call: Record<string, unknown>): number {
      if (typeof call.index === 'number') return call.index
      // Some backends leave out `index`; a new id means a new call, no id continues the last one.
      if (typeof call.id === 'string' && call.id !== '') {
        for (const [key, tool] of tools) if (tool.id === sanitizeToolId(call.id)) return key
        return 1_000_000 + tools.size
      }
      return lastToolKey ?? 0
    }

    function toolDelta(call: Record<string, unknown>) {
      const key = toolKeyFor(call)
      lastToolKey = key
      const fn = isRecord(call.function) ? call.function : {}
      const name = typeof fn.name === 'string' ? fn.name : ''
      const args = typeof fn.arguments === 'string' ? fn.arguments : ''
      outputChars += args.length
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
        if (usedIds.has(tool.id)) tool.id = `${tool.id}_${usedIds.size}`
        usedIds.add(tool.id)
        tool.started = true
        sawToolUse = true
        // input stays {} here and the arguments follow as input_json_delta, as Anthropic streams it.
        openBlock('tool', { type: 'tool_use', id: tool.id, name: tool.name, input: {} }, key)
        return
      }
      // A fragment for a call whose block already closed cannot be placed: Anthropic blocks
      // never reopen. Backends stream calls one after another, so this only drops garbage.
      if (open?.kind === 'tool' && open.toolKey === key) tool.args += args
    }

    function finish() {
      if (finished) return
      start()
      closeOpen()
      finished = true
      let stopReason = mapOpenAIFinishReason(finishReason)
      // vLLM answers tool calls with "stop" at times; the client must still run the tools.
      if (sawToolUse && stopReason === 'end_turn') stopReason = 'tool_use'
      else if (stopSequence !== null && stopReason === 'end_turn') stopReason = 'stop_sequence'
      const u: AnthropicUsageOut = convertOpenAIUsage(usage, options.inputTokens)
      if (!isRecord(usage)) u.output_tokens = Math.ceil(outputChars / 4)
      emit('message_delta', {
        delta: { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? stopSequence : null },
        usage: u,
      })
      emit('message_stop', {})
      options.onUsage?.({ input_tokens: u.input_tokens + u.cache_read_input_tokens, output_tokens: u.output_tokens })
    }

    function fail(type: string, message: string) {
      if (finished) return
      finished = true
      emit('error', { error: { type, message } })
      const u = convertOpenAIUsage(usage, options.inputTokens)
      options.onUsage?.({
        input_tokens: u.input_tokens + u.cache_read_input_tokens,
        output_tokens: isRecord(usage) ? u.output_tokens : Math.ceil(outputChars / 4),
      })
    }

    function chunk(data: Record<string, unknown>) {
      start()
      if (isRecord(data.usage)) usage = data.usage
      const choices = Array.isArray(data.choices) ? data.choices : []
      const choice = choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined))
      if (isRecord(choice) && finishReason === null) {
        const d = isRecord(choice.delta) ? choice.delta : {}
        const reasoning = typeof d.reasoning === 'string' ? d.reasoning : typeof d.reasoning_content === 'string' ? d.reasoning_content : ''
        if (reasoning !== '') delta('thinking', reasoning)
        if (typeof d.content === 'string' && d.content !== '') delta('text', d.content)
        if (typeof d.refusal === 'string' && d.refusal !== '') delta('text', d.refusal)
        // An empty tool_calls array beside content means nothing; it must not open a block.
        if (Array.isArray(d.tool_calls)) for (const call of d.tool_calls) if (isRecord(call)) toolDelta(call)
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
          finishReason = choice.finish_reason
          if (typeof choice.stop_reason === 'string') stopSequence = choice.stop_reason
          closeOpen()
        }
      }
      // The usage chunk comes after the finish_reason chunk when include_usage was asked for.
      if (finishReason !== null && isRecord(usage)) finish()
    }

    return {
      event(event: SSEEvent) {
        if (finished) return
        if (event.data === '[DONE]') return finish()
        if (event.data === '' && event.event !== 'error') return
        if (event.event === undefined) {
          const json = plainContentDelta(event.data)
          if (json !== null) {
            start()
            // The estimate counts characters of text, not of escapes (`\u00e9` is one).
            if (finishReason === null && json !== '') deltaJson('text', json, json.includes('\\') ? (JSON.parse(`"${json}"`) as string).length : json.length)
            return
          }
        }
        let data: unknown
        try {
          data = JSON.parse(event.data)
        } catch {
          data = undefined
        }
        if (event.event === 'error' || (isRecord(data) && (isRecord(data.error) || data.object === 'error'))) {
          const err = isRecord(data) && isRecord(data.error) ? data.error : isRecord(data) ? data : {}
          const message = typeof err.message === 'string' ? err.message : 'the upstream reported an error'
          return fail(mapOpenAIErrorType(err.type, err.code), message)
        }
        if (!isRecord(data)) return fail('api_error', 'the upstream sent a malformed stream chunk')
        chunk(data)
      },
      end() {
        finish()
      },
      fail(message: string) {
        fail('api_error', message)
      },
    }
  })
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

function parsesToObject(json: string): boolean {
  if (json.trim() === '') return false
  try {
    const value: unknown = JSON.parse(json)
    return isRecord(value)
  } catch {
    return false
  }
}
