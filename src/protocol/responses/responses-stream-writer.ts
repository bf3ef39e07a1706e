// Writes the event sequence of a streamed Responses API answer, whatever the upstream was: the
// stream converters (./chat-to-responses-stream.ts, ./anthropic-to-responses-stream.ts) tell it
// what the model said, and it keeps every rule of the wire format in one place:
//   response.created, response.in_progress, then per output item
//   response.output_item.added, [content_part.added, *.delta..., *.done, content_part.done],
//   response.output_item.done, and one terminal event (response.completed, response.incomplete or
//   response.failed) whose response lists every item; sequence_number counts every event from 0.
// Items open lazily and one at a time: a different kind of output closes the open item first, so
// output_index is always the item's place in `output`. Text is kept as the JSON string body the
// upstream wrote (concatenated escapes stay valid), decoded once when its item closes.
import { createId } from '../convert/create-id'
import type { ResponseOutcome } from './map-responses-status'
import { type ResponseState, responseObject } from './response-object'
import type { OutputItem, ResponseEcho, ResponsesUsage } from './types'

export interface ResponsesWriterOptions {
  /** The public model name to report. */
  model: string
  echo: ResponseEcho | null
  responseId?: string
  /** Unix seconds; now by default. */
  createdAt?: number
}

export interface FunctionCall {
  callId: string
  name: string
  namespace?: string
  /** The complete JSON text of the arguments. */
  arguments: string
}

interface OpenItem {
  kind: 'text' | 'reasoning'
  index: number
  id: string
  /** The text so far, as a JSON string body. */
  json: string
  /** An Anthropic thinking signature, for a reasoning item. */
  signature: string | null
}

const OUTPUT_TEXT_PART = { type: 'output_text', text: '', annotations: [], logprobs: [] }
const REASONING_TEXT_PART = { type: 'reasoning_text', text: '' }

export class ResponsesStreamWriter {
  private seq = 0
  private started = false
  private done = false
  private open: OpenItem | undefined = undefined
  private callIds: Set<string> | undefined = undefined
  private readonly state: ResponseState

  constructor(
    private readonly options: ResponsesWriterOptions,
    private readonly enqueue: (sseText: string) => void,
  ) {
    this.state = {
      id: options.responseId ?? createId('resp_'),
      createdAt: options.createdAt ?? Math.floor(Date.now() / 1000),
      model: options.model,
      status: 'in_progress',
      output: [],
      usage: null,
    }
  }

  /** True once a terminal event went out: nothing more is written. */
  get finished(): boolean {
    return this.done
  }

  /** response.created and response.in_progress, once. */
  start(): void {
    if (this.started) return
    this.started = true
    const response = responseObject(this.state, this.options.echo)
    this.emit('response.created', { response })
    this.emit('response.in_progress', { response })
  }

  /** Text of the assistant's message, as a JSON string body (no quotes). */
  textJson(json: string): void {
    if (this.done || json === '') return
    this.start()
    const open = this.open?.kind === 'text' ? this.open : this.openItem('text')
    open.json += json
    this.enqueue(
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${this.seq++},"item_id":"${open.id}","output_index":${open.index},"content_index":0,"delta":"${json}","logprobs":[]}\n\n`,
    )
  }

  text(text: string): void {
    this.textJson(JSON.stringify(text).slice(1, -1))
  }

  /** Reasoning text, as a JSON string body (no quotes). */
  reasoningJson(json: string): void {
    if (this.done || json === '') return
    this.start()
    const open = this.open?.kind === 'reasoning' ? this.open : this.openItem('reasoning')
    open.json += json
    this.enqueue(
      `event: response.reasoning_text.delta\ndata: {"type":"response.reasoning_text.delta","sequence_number":${this.seq++},"item_id":"${open.id}","output_index":${open.index},"content_index":0,"delta":"${json}"}\n\n`,
    )
  }

  reasoning(text: string): void {
    this.reasoningJson(JSON.stringify(text).slice(1, -1))
  }

  /** The signature of the reasoning being written (Anthropic's thinking blocks carry one). */
  reasoningSignature(signature: string): void {
    if (this.done || signature === '') return
    if (this.open?.kind === 'reasoning') this.open.signature = signature
  }

  /** Closes what is open; the next text or reasoning opens a new item. */
  closeItem(): void {
    this.closeOpen('completed')
  }

  /** A whole function call: its item, its arguments in one delta, and its end. */
  functionCall(call: FunctionCall): void {
    if (this.done) return
    this.start()
    this.closeOpen('completed')
    const index = this.state.output.length
    const id = createId('fc_')
    // Some backends repeat call ids; the client answers each call by its id, so they must differ.
    const callIds = (this.callIds ??= new Set())
    const callId = callIds.has(call.callId) ? `${call.callId}_${callIds.size}` : call.callId
    callIds.add(callId)
    const base = { id, type: 'function_call' as const, call_id: callId, name: call.name, ...(call.namespace === undefined ? {} : { namespace: call.namespace }) }
    this.emit('response.output_item.added', { output_index: index, item: { ...base, status: 'in_progress', arguments: '' } })
    if (call.arguments !== '') this.emit('response.function_call_arguments.delta', { item_id: id, output_index: index, delta: call.arguments })
    this.emit('response.function_call_arguments.done', { item_id: id, output_index: index, name: call.name, arguments: call.arguments })
    const item: OutputItem = { ...base, status: 'completed', arguments: call.arguments }
    this.emit('response.output_item.done', { output_index: index, item })
    this.state.output.push(item)
  }

  /** The terminal event of a stream that ended as the upstream meant it to. */
  complete(outcome: ResponseOutcome, usage: ResponsesUsage | null): void {
    if (this.done) return
    this.start()
    this.closeOpen(outcome.status === 'completed' ? 'completed' : 'incomplete')
    this.done = true
    this.state.status = outcome.status
    this.state.usage = usage
    if (outcome.reason) this.state.incompleteReason = outcome.reason
    const type = outcome.status === 'completed' ? 'response.completed' : 'response.incomplete'
    this.emit(type, { response: responseObject(this.state, this.options.echo) })
  }

  /** The terminal event of a stream that broke: what was said so far, and why it stopped. */
  fail(code: string, message: string, usage: ResponsesUsage | null): void {
    if (this.done) return
    this.start()
    this.closeOpen('incomplete')
    this.done = true
    this.state.status = 'failed'
    this.state.usage = usage
    this.state.error = { code, message }
    this.emit('response.failed', { response: responseObject(this.state, this.options.echo) })
  }

  // JSON.stringify never writes a raw line break, so each event is one `data:` line.
  private emit(type: string, fields: Record<string, unknown>): void {
    this.enqueue(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...fields })}\n\n`)
  }

  private openItem(kind: 'text' | 'reasoning'): OpenItem {
    this.closeOpen('completed')
    const index = this.state.output.length
    const open: OpenItem = { kind, index, id: createId(kind === 'text' ? 'msg_' : 'rs_'), json: '', signature: null }
    this.open = open
    const item = kind === 'text' ? { id: open.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } : { id: open.id, type: 'reasoning', summary: [], content: [] }
    this.emit('response.output_item.added', { output_index: index, item })
    this.emit('response.content_part.added', { item_id: open.id, output_index: index, content_index: 0, part: kind === 'text' ? OUTPUT_TEXT_PART : REASONING_TEXT_PART })
    return open
  }

  private closeOpen(status: 'completed' | 'incomplete'): void {
    const open = this.open
    if (!open) return
    this.open = undefined
    const text = JSON.parse(`"${open.json}"`) as string
    const at = { item_id: open.id, output_index: open.index, content_index: 0 }
    let item: OutputItem
    if (open.kind === 'text') {
      const part = { type: 'output_text' as const, text, annotations: [], logprobs: [] }
      this.emit('response.output_text.done', { ...at, text, logprobs: [] })
      this.emit('response.content_part.done', { ...at, part })
      item = { id: open.id, type: 'message', status, role: 'assistant', content: [part] }
    } else {
      const part = { type: 'reasoning_text' as const, text }
      this.emit('response.reasoning_text.done', { ...at, text })
      this.emit('response.content_part.done', { ...at, part })
      item = { id: open.id, type: 'reasoning', summary: [], content: [part], ...(open.signature === null ? {} : { encrypted_content: open.signature }) }
    }
    this.emit('response.output_item.done', { output_index: open.index, item })
    this.state.output.push(item)
  }
}
