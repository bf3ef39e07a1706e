// Checks a Responses API event sequence as the strict clients read it (the openai SDKs' stream
// helpers, Codex): every event named after its data's `type`, sequence_number counting from 0,
// response.created first, output items added in order (output_index = their place), each item's
// events naming its id and index, content parts and text deltas that add up to what the `.done`
// events and the finished item state, unique call ids, function arguments that are a JSON object,
// and exactly one terminal event (response.completed / .incomplete / .failed, or an `error` event
// for a stream that broke) last, whose response lists every finished item. Returns the problems.
import type { SSEEvent } from '../../src/protocol/sse/sse-event'

const TERMINAL: Record<string, string> = { 'response.completed': 'completed', 'response.incomplete': 'incomplete', 'response.failed': 'failed' }
const ITEM_TYPES = new Set(['message', 'reasoning', 'function_call'])
const KNOWN = new Set([
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.reasoning_text.delta',
  'response.reasoning_text.done',
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_part.done',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'error',
  ...Object.keys(TERMINAL),
])

interface ItemState {
  id: string
  type: string
  parts: string[]
  summary: string[]
  args: string
  done: boolean
  item: Record<string, any>
}

export function validateResponsesEvents(events: SSEEvent[]): string[] {
  const problems: string[] = []
  const items: ItemState[] = []
  const callIds = new Set<string>()
  let responseId: unknown
  let terminal = -1
  events.forEach((e, i) => {
    const at = `event ${i}`
    let data: Record<string, any>
    try {
      data = JSON.parse(e.data)
    } catch {
      return problems.push(`${at}: data is not JSON`)
    }
    if (data === null || typeof data !== 'object') return problems.push(`${at}: data is not an object`)
    const type = data.type
    if (e.event !== type) problems.push(`${at}: event name ${JSON.stringify(e.event)} differs from type ${JSON.stringify(type)}`)
    if (!KNOWN.has(type)) return problems.push(`${at}: unknown event type ${JSON.stringify(type)}`)
    if (data.sequence_number !== i) problems.push(`${at}: sequence_number ${data.sequence_number}, expected ${i}`)
    if (terminal !== -1) return problems.push(`${at}: ${type} after the terminal event`)
    if (i === 0 && type !== 'response.created') problems.push(`${at}: the first event must be response.created, got ${type}`)
    if (type === 'error') {
      terminal = i
      if (typeof data.message !== 'string') problems.push(`${at}: error without a message`)
      return
    }
    if (type.startsWith('response.') && 'response' in data) return lifecycle(type, data, at, i)
    const item = items[data.output_index]
    if (type === 'response.output_item.added') {
      if (data.output_index !== items.length) problems.push(`${at}: output_index ${data.output_index}, expected ${items.length}`)
      const it = data.item ?? {}
      if (typeof it.id !== 'string' || it.id === '') problems.push(`${at}: item without an id`)
      if (!ITEM_TYPES.has(it.type)) problems.push(`${at}: item type ${JSON.stringify(it.type)}`)
      if (it.type === 'function_call') {
        if (typeof it.call_id !== 'string' || it.call_id === '' || typeof it.name !== 'string' || it.name === '') problems.push(`${at}: function_call without call_id or name`)
        if (callIds.has(it.call_id)) problems.push(`${at}: call_id ${it.call_id} used twice`)
        callIds.add(it.call_id)
      }
      items.push({ id: it.id, type: it.type, parts: [], summary: [], args: typeof it.arguments === 'string' ? it.arguments : '', done: false, item: it })
      return
    }
    if (!item) return problems.push(`${at}: ${type} for output_index ${data.output_index}, which was never added`)
    if (item.done) return problems.push(`${at}: ${type} after its item was done`)
    if (type !== 'response.output_item.done' && data.item_id !== item.id) problems.push(`${at}: item_id ${data.item_id}, expected ${item.id}`)
    switch (type) {
      case 'response.content_part.added':
        if (data.content_index !== item.parts.length) problems.push(`${at}: content_index ${data.content_index}, expected ${item.parts.length}`)
        if (item.type === 'message' && data.part?.type !== 'output_text' && data.part?.type !== 'refusal') problems.push(`${at}: message part ${data.part?.type}`)
        if (item.type === 'reasoning' && data.part?.type !== 'reasoning_text') problems.push(`${at}: reasoning part ${data.part?.type}`)
        item.parts.push(typeof data.part?.text === 'string' ? data.part.text : '')
        return
      case 'response.output_text.delta':
      case 'response.reasoning_text.delta':
        if ((type === 'response.output_text.delta') !== (item.type === 'message')) problems.push(`${at}: ${type} on a ${item.type} item`)
        if (typeof data.delta !== 'string') return problems.push(`${at}: delta is not a string`)
        if (item.parts[data.content_index] === undefined) return problems.push(`${at}: content_index ${data.content_index} was never added`)
        item.parts[data.content_index] += data.delta
        return
      case 'response.output_text.done':
      case 'response.reasoning_text.done':
      case 'response.content_part.done': {
        const text = type === 'response.content_part.done' ? data.part?.text : data.text
        if (item.parts[data.content_index] !== text) problems.push(`${at}: text ${JSON.stringify(text)} differs from its deltas ${JSON.stringify(item.parts[data.content_index])}`)
        return
      }
      case 'response.reasoning_summary_part.added':
        item.summary.push('')
        return
      case 'response.reasoning_summary_text.delta':
        if (item.summary[data.summary_index] === undefined) return problems.push(`${at}: summary_index ${data.summary_index} was never added`)
        item.summary[data.summary_index] += data.delta
        return
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_summary_part.done':
        return
      case 'response.function_call_arguments.delta':
        if (item.type !== 'function_call') problems.push(`${at}: arguments on a ${item.type} item`)
        item.args += String(data.delta)
        return
      case 'response.function_call_arguments.done':
        if (data.arguments !== item.args) problems.push(`${at}: arguments ${JSON.stringify(data.arguments)} differ from their deltas ${JSON.stringify(item.args)}`)
        if (!isJsonObject(data.arguments)) problems.push(`${at}: arguments are not a JSON object`)
        return
      case 'response.output_item.done': {
        const it = data.item ?? {}
        if (it.id !== item.id || it.type !== item.type) problems.push(`${at}: the done item (${it.type} ${it.id}) is not the added one (${item.type} ${item.id})`)
        if (item.type === 'message' || item.type === 'reasoning') {
          const texts = (Array.isArray(it.content) ? it.content : []).map((c: any) => c?.text ?? c?.refusal)
          if (JSON.stringify(texts) !== JSON.stringify(item.parts)) problems.push(`${at}: item content ${JSON.stringify(texts)} differs from its deltas ${JSON.stringify(item.parts)}`)
        }
        if (item.type === 'reasoning' && !Array.isArray(it.summary)) problems.push(`${at}: reasoning item without summary`)
        if (item.type === 'function_call') {
          if (it.arguments !== item.args) problems.push(`${at}: item arguments differ from their deltas`)
          if (it.call_id !== item.item.call_id || it.name !== item.item.name) problems.push(`${at}: call_id or name changed`)
        }
        item.done = true
        item.item = it
        return
      }
    }
  })
  if (terminal === -1) problems.push('the stream has no terminal event')

  function lifecycle(type: string, data: Record<string, any>, at: string, i: number) {
    const r = data.response ?? {}
    if (r.object !== 'response') problems.push(`${at}: response.object is ${JSON.stringify(r.object)}`)
    if (typeof r.id !== 'string' || r.id === '') problems.push(`${at}: response without id`)
    if (responseId === undefined) responseId = r.id
    else if (r.id !== responseId) problems.push(`${at}: response id changed`)
    if (!Array.isArray(r.output)) problems.push(`${at}: response.output is not an array`)
    if (type === 'response.created' || type === 'response.in_progress') {
      if (r.status !== 'in_progress') problems.push(`${at}: status ${r.status} before the end`)
      return
    }
    terminal = i
    if (r.status !== TERMINAL[type]) problems.push(`${at}: ${type} with status ${r.status}`)
    if (type !== 'response.failed') {
      const open = items.filter((it) => !it.done)
      if (open.length > 0) problems.push(`${at}: ${type} with items never done: ${open.map((it) => it.id).join(', ')}`)
      if (typeof r.usage?.input_tokens !== 'number' || typeof r.usage?.output_tokens !== 'number') problems.push(`${at}: ${type} without usage`)
    } else if (typeof r.error?.message !== 'string') problems.push(`${at}: response.failed without error.message`)
    const done = items.filter((it) => it.done).map((it) => `${it.type}:${it.id}`)
    const listed = (Array.isArray(r.output) ? r.output : []).map((it: any) => `${it?.type}:${it?.id}`)
    if (JSON.stringify(listed) !== JSON.stringify(done)) problems.push(`${at}: output lists ${JSON.stringify(listed)}, the stream finished ${JSON.stringify(done)}`)
  }
  return problems
}

/** Assembles a Responses stream as a client does: the terminal event's response, or null. */
export function finalResponse(events: SSEEvent[]): Record<string, any> | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const data = JSON.parse(events[i]!.data)
    if (data?.response && TERMINAL[data.type]) return data.response
  }
  return null
}

function isJsonObject(text: unknown): boolean {
  if (typeof text !== 'string') return false
  try {
    const v = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  } catch {
    return false
  }
}
