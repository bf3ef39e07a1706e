// Checks that a sequence of SSE events is a stream an Anthropic client (Claude Code, the SDKs) can
// consume: message_start first and once, block indexes consecutive from 0, every delta aimed at an
// open block of the matching type, blocks closed before message_delta, message_stop last. An
// `error` event may end the stream at any point, as the real API's do. Returns the problems found.

const TOOL_ID = /^[a-zA-Z0-9_-]+$/
const STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'])
const DELTA_FOR_BLOCK: Record<string, string[]> = {
  text: ['text_delta', 'citations_delta'],
  tool_use: ['input_json_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
}

export function validateAnthropicEvents(events: { event?: string; data: string }[]): string[] {
  const problems: string[] = []
  let started = false
  let messageDelta = false
  let ended = false
  let nextIndex = 0
  const open = new Map<number, { type: string; json: string }>()

  events.forEach((e, i) => {
    const at = `event ${i} (${e.event ?? 'unnamed'})`
    if (ended) problems.push(`${at}: comes after the stream ended`)
    let data: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(e.data)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
      data = parsed as Record<string, unknown>
    } catch {
      problems.push(`${at}: data is not a JSON object`)
      return
    }
    if (e.event === undefined) problems.push(`${at}: has no event name`)
    else if (data.type !== e.event) problems.push(`${at}: data.type ${JSON.stringify(data.type)} differs from the event name`)
    const index = typeof data.index === 'number' ? data.index : -1
    const type = e.event ?? data.type

    if (type !== 'message_start' && type !== 'ping' && type !== 'error' && !started) problems.push(`${at}: before message_start`)
    switch (type) {
      case 'message_start': {
        if (started) problems.push(`${at}: duplicate message_start`)
        started = true
        const m = obj(data.message)
        if (typeof m.id !== 'string' || !m.id.startsWith('msg_')) problems.push(`${at}: message.id must start with msg_`)
        if (m.type !== 'message' || m.role !== 'assistant') problems.push(`${at}: message must be type message, role assistant`)
        if (!Array.isArray(m.content) || m.content.length !== 0) problems.push(`${at}: message.content must be []`)
        if (typeof obj(m.usage).input_tokens !== 'number') problems.push(`${at}: message.usage.input_tokens missing`)
        break
      }
      case 'content_block_start': {
        if (messageDelta) problems.push(`${at}: block starts after message_delta`)
        if (index !== nextIndex) problems.push(`${at}: index ${index}, expected ${nextIndex}`)
        if (open.size > 0) problems.push(`${at}: block ${index} starts while block ${[...open.keys()].join(',')} is open`)
        nextIndex = Math.max(nextIndex, index + 1)
        const block = obj(data.content_block)
        const blockType = typeof block.type === 'string' ? block.type : ''
        if (blockType === 'tool_use') {
          if (typeof block.id !== 'string' || !TOOL_ID.test(block.id)) problems.push(`${at}: tool_use id ${JSON.stringify(block.id)} is invalid`)
          if (typeof block.name !== 'string' || block.name === '') problems.push(`${at}: tool_use without a name`)
          if (JSON.stringify(block.input) !== '{}') problems.push(`${at}: tool_use input must start as {} and stream as input_json_delta`)
        } else if (blockType === 'text' && typeof block.text !== 'string') problems.push(`${at}: text block without text`)
        else if (blockType === 'thinking' && typeof block.thinking !== 'string') problems.push(`${at}: thinking block without thinking`)
        else if (blockType === '') problems.push(`${at}: content_block without a type`)
        open.set(index, { type: blockType, json: '' })
        break
      }
      case 'content_block_delta': {
        const block = open.get(index)
        const delta = obj(data.delta)
        if (!block) {
          problems.push(`${at}: delta for block ${index}, which is not open`)
          break
        }
        const allowed = DELTA_FOR_BLOCK[block.type]
        if (allowed && !allowed.includes(String(delta.type))) problems.push(`${at}: ${String(delta.type)} inside a ${block.type} block`)
        if (delta.type === 'text_delta' && typeof delta.text !== 'string') problems.push(`${at}: text_delta without text`)
        if (delta.type === 'thinking_delta' && typeof delta.thinking !== 'string') problems.push(`${at}: thinking_delta without thinking`)
        if (delta.type === 'input_json_delta') {
          if (typeof delta.partial_json !== 'string') problems.push(`${at}: input_json_delta without partial_json`)
          else block.json += delta.partial_json
        }
        break
      }
      case 'content_block_stop': {
        const block = open.get(index)
        if (!block) problems.push(`${at}: stop for block ${index}, which is not open`)
        else if (block.type === 'tool_use' && block.json !== '') {
          try {
            const input: unknown = JSON.parse(block.json)
            if (typeof input !== 'object' || input === null || Array.isArray(input)) problems.push(`${at}: tool input is not an object`)
          } catch {
            problems.push(`${at}: tool input ${JSON.stringify(block.json.slice(0, 80))} is not valid JSON`)
          }
        }
        open.delete(index)
        break
      }
      case 'message_delta': {
        if (messageDelta) problems.push(`${at}: duplicate message_delta`)
        messageDelta = true
        if (open.size > 0) problems.push(`${at}: message_delta while block ${[...open.keys()].join(',')} is open`)
        const delta = obj(data.delta)
        if (!STOP_REASONS.has(String(delta.stop_reason))) problems.push(`${at}: stop_reason ${JSON.stringify(delta.stop_reason)} is invalid`)
        if (typeof obj(data.usage).output_tokens !== 'number') problems.push(`${at}: usage.output_tokens missing`)
        break
      }
      case 'message_stop':
        if (!messageDelta) problems.push(`${at}: message_stop without message_delta`)
        ended = true
        break
      case 'error': {
        const err = obj(data.error)
        if (typeof err.type !== 'string' || typeof err.message !== 'string') problems.push(`${at}: error without type and message`)
        ended = true
        break
      }
      case 'ping':
        break
      default:
        problems.push(`${at}: unknown event type`)
    }
  })
  if (!ended) problems.push('the stream does not end with message_stop or error')
  return problems
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}
