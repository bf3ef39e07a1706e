// Anthropic Messages SSE (from an Anthropic backend) -> OpenAI Chat Completions SSE.
// Anthropic numbers every content block; OpenAI numbers tool calls only, so each tool_use block
// gets the next tool index. Thinking goes out as delta.reasoning_content; signatures and pings have
// no OpenAI twin. The stream always ends with `data: [DONE]`, after an error chunk if it failed.
// A tool call's arguments are held until its block closes and then sent in one piece: streamed as
// they come, a stream cut mid-call would hand the client a prefix (`{"command": "rm -rf /tm`).
import type { SSEEvent } from '../sse/sse-event'
import { convertAnthropicUsage } from './convert-anthropic-usage'
import { createId } from './create-id'
import type { UsageListener } from '../usage'
import { type ChunkTransform, toTransformStream } from '../chunk-transform'
import { anthropicDeltaTokens } from '../delivered-tokens'
import { createSSETransform } from './create-sse-transform'
import { isRecord } from './is-record'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason'
import { readAnthropicEvent } from './read-upstream-event'

export interface AnthropicToOpenAIStreamOptions {
  /** The public model name to report. */
  model: string
  /** The client asked for stream_options.include_usage: send the final `choices: []` usage chunk. */
  includeUsage: boolean
  completionId?: string
  /** Unix seconds for `created`; now by default. */
  created?: number
  /** Called once when the stream ends (or fails), with every prompt token counted as input. */
  onUsage?: UsageListener
}

export function createAnthropicToOpenAIStream(options: AnthropicToOpenAIStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return toTransformStream(anthropicToOpenAIChunks(options))
}

/** The same conversion as a synchronous chunk transform, as the relay runs it. */
export function anthropicToOpenAIChunks(options: AnthropicToOpenAIStreamOptions): ChunkTransform {
  return createSSETransform((enqueue) => {
    const id = options.completionId ?? createId('chatcmpl-')
    const created = options.created ?? Math.floor(Date.now() / 1000)
    let started = false
    let done = false
    let finished = false
    let usageSent = false
    // Anthropic block index -> OpenAI tool index, for tool_use blocks only.
    const toolIndexes = new Map<number, number>()
    // Anthropic block index -> the arguments of a tool call not sent yet.
    const heldArgs = new Map<number, string>()
    const thinkingBlocks = new Set<number>()
    const usage: Record<string, unknown> = {}
    let deliveredOutput = 0

    function send(data: Record<string, unknown>) {
      // JSON.stringify never writes a raw line break, so the text is one `data:` line.
      enqueue(`data: ${JSON.stringify(data)}\n\n`)
    }

    function chunk(delta: Record<string, unknown>, finishReason: string | null = null) {
      const data: Record<string, unknown> = {
        id,
        object: 'chat.completion.chunk',
        created,
        model: options.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      }
      // OpenAI sends `usage: null` on every chunk but the last when include_usage is set.
      if (options.includeUsage) data.usage = null
      send(data)
    }

    function start() {
      if (started) return
      started = true
      chunk({ role: 'assistant', content: '' })
    }

    function reportUsage() {
      const u = convertAnthropicUsage(usage)
      const cacheCreation = typeof usage.cache_creation_input_tokens === 'number' && usage.cache_creation_input_tokens > 0 ? Math.floor(usage.cache_creation_input_tokens) : 0
      const cacheRead = u.prompt_tokens_details?.cached_tokens ?? 0
      options.onUsage?.({
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
        ...(cacheRead > 0 ? { cache_read_tokens: cacheRead } : {}),
        ...(cacheCreation > 0 ? { cache_creation_tokens: cacheCreation } : {}),
      })
    }

    function sendUsage() {
      if (usageSent || !options.includeUsage) return
      usageSent = true
      send({ id, object: 'chat.completion.chunk', created, model: options.model, choices: [], usage: convertAnthropicUsage(usage) })
    }

    function end() {
      if (done) return
      done = true
      reportUsage()
      enqueue('data: [DONE]\n\n')
    }

    function fail(type: string, message: string) {
      if (done) return
      send({ error: { message, type, param: null, code: null } })
      end()
    }

    function mergeUsage(u: unknown) {
      if (!isRecord(u)) return
      for (const [key, value] of Object.entries(u)) if (typeof value === 'number') usage[key] = value
    }

    /** The arguments of a finished tool_use block, whole: `{}` for a call without input, as a non-streamed answer gives. */
    function sendArgs(blockIndex: number) {
      const args = heldArgs.get(blockIndex)
      const toolIndex = toolIndexes.get(blockIndex)
      if (args === undefined || toolIndex === undefined) return
      heldArgs.delete(blockIndex)
      chunk({ tool_calls: [{ index: toolIndex, function: { arguments: args === '' ? '{}' : args } }] })
    }

    function handle(type: unknown, data: Record<string, unknown>) {
      const index = typeof data.index === 'number' ? data.index : -1
      // OpenAI clients stop reading choices at finish_reason; content after message_delta is lost anyway.
      if (finished && (type === 'content_block_start' || type === 'content_block_delta')) return
      switch (type) {
        case 'message_start':
          if (isRecord(data.message)) mergeUsage(data.message.usage)
          start()
          return
        case 'content_block_start': {
          start()
          const block = isRecord(data.content_block) ? data.content_block : {}
          if (block.type === 'tool_use') {
            const toolIndex = toolIndexes.size
            toolIndexes.set(index, toolIndex)
            const call = { index: toolIndex, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }
            chunk({ tool_calls: [call] })
            // Anthropic starts with input {} and streams the input; a backend may state it whole here.
            heldArgs.set(index, isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '')
          } else if (block.type === 'thinking') {
            thinkingBlocks.add(index)
            if (typeof block.thinking === 'string' && block.thinking !== '') chunk({ reasoning_content: block.thinking })
          } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
            deliveredOutput += anthropicDeltaTokens(block.text.length)
            chunk({ content: block.text })
          }
          return
        }
        case 'content_block_delta': {
          start()
          const d = isRecord(data.delta) ? data.delta : {}
          if (d.type === 'text_delta' && typeof d.text === 'string') {
            deliveredOutput += anthropicDeltaTokens(d.text.length)
            chunk({ content: d.text })
          } else if (d.type === 'thinking_delta' && typeof d.thinking === 'string') {
            deliveredOutput += anthropicDeltaTokens(d.thinking.length)
            chunk({ reasoning_content: d.thinking })
          } else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && d.partial_json !== '') {
            deliveredOutput += anthropicDeltaTokens(d.partial_json.length)
            const held = heldArgs.get(index)
            if (held !== undefined) heldArgs.set(index, held + d.partial_json)
          }
          // signature_delta, citations_delta and future delta types have no Chat Completions field.
          return
        }
        case 'content_block_stop':
          sendArgs(index)
          return
        case 'message_delta': {
          start()
          mergeUsage(data.usage)
          if (finished) return
          // The answer is complete: a block the upstream left open is whole.
          for (const blockIndex of [...heldArgs.keys()]) sendArgs(blockIndex)
          finished = true
          const d = isRecord(data.delta) ? data.delta : {}
          chunk({}, mapAnthropicStopReason(d.stop_reason))
          sendUsage()
          return
        }
        case 'message_stop':
          start()
          if (!finished) {
            finished = true
            chunk({}, 'stop')
          }
          sendUsage()
          end()
          return
        default:
          // ping and event types that do not exist yet carry nothing to forward.
          return
      }
    }

    return {
      event(event: SSEEvent) {
        if (done) return
        const read = readAnthropicEvent(event)
        if (read.kind === 'error') return fail(read.type, read.message)
        if (read.kind === 'malformed') return fail('api_error', 'the upstream sent a malformed stream event')
        if (read.kind === 'event') handle(read.type, read.data)
      },
      end() {
        if (done) return
        // An Anthropic stream always ends with message_stop; without it the answer was cut short.
        if (!finished) return fail('api_error', 'the upstream stream ended before message_stop')
        sendUsage()
        end()
      },
      fail(message: string) {
        fail('api_error', message)
      },
      usageSoFar() {
        if (!started) return null
        const u = convertAnthropicUsage(usage)
        return { input_tokens: u.prompt_tokens, output_tokens: Math.max(u.completion_tokens, deliveredOutput) }
      },
    }
  })
}
