// Seeded generators of upstream streams for the fuzz test: plausible OpenAI chunk sequences and
// Anthropic event sequences, then damaged (chunks dropped, repeated or replaced by junk, the bytes
// truncated) the way a flaky backend or network damages them.
import { chance, int, junk, mutate, pick, type Random } from './fuzz-generators'

const encoder = new TextEncoder()

const TEXT = ['Hel', 'lo', ' wörld', ' 👋', '\n', '"', '']

function splitString(r: Random, s: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < s.length) {
    const n = int(r, 1, 8)
    out.push(s.slice(i, i + n))
    i += n
  }
  return out
}

export function openAIChunks(r: Random): unknown[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })
  const lines: unknown[] = [chunk({ role: 'assistant', content: '' })]
  let tool = 0
  for (let s = int(r, 0, 5); s > 0; s--) {
    const kind = int(r, 0, 3)
    if (kind === 0) for (let k = int(r, 1, 4); k > 0; k--) lines.push(chunk({ [pick(r, ['reasoning', 'reasoning_content'])]: pick(r, TEXT) }))
    else if (kind === 1) for (let k = int(r, 1, 4); k > 0; k--) lines.push(chunk({ content: pick(r, TEXT), ...(chance(r, 0.3) ? { tool_calls: [] } : {}) }))
    else {
      const index = tool++
      const args = splitString(r, JSON.stringify({ path: pick(r, TEXT), n: int(r, 0, 99) }))
      const first: Record<string, unknown> = { index, id: `call_${index}`, type: 'function', function: { name: 'f', arguments: chance(r, 0.5) ? '' : args.shift() ?? '' } }
      if (chance(r, 0.1)) delete (first.function as Record<string, unknown>).name
      lines.push(chunk({ tool_calls: [first] }))
      for (const a of args) lines.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }))
      if (chance(r, 0.1)) lines.push(chunk({ tool_calls: [{ index, function: { name: 'f' } }] }))
    }
  }
  if (chance(r, 0.85)) lines.push(chunk(chance(r, 0.3) ? { content: 'end' } : {}, pick(r, ['stop', 'length', 'tool_calls', 'content_filter', 'weird'])))
  if (chance(r, 0.8)) lines.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: int(r, 0, 9999), completion_tokens: int(r, 0, 999), total_tokens: 0, prompt_tokens_details: chance(r, 0.5) ? { cached_tokens: int(r, 0, 500) } : null } })
  if (chance(r, 0.8)) lines.push('[DONE]')
  return lines
}

export function anthropicEvents(r: Random): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [{ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: int(r, 0, 999), output_tokens: 1 } } }]
  let index = 0
  for (let s = int(r, 0, 5); s > 0; s--, index++) {
    if (chance(r, 0.2)) events.push({ type: 'ping' })
    const kind = pick(r, ['text', 'thinking', 'tool_use', 'redacted_thinking'])
    const block = kind === 'tool_use' ? { type: 'tool_use', id: `toolu_${index}`, name: 'f', input: {} } : kind === 'text' ? { type: 'text', text: '' } : kind === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'redacted_thinking', data: 'x' }
    events.push({ type: 'content_block_start', index, content_block: block })
    if (kind === 'tool_use') {
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } })
      for (const p of splitString(r, JSON.stringify({ a: pick(r, TEXT) }))) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } })
    } else if (kind === 'text') for (let k = int(r, 1, 3); k > 0; k--) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: pick(r, TEXT) } })
    else if (kind === 'thinking') {
      events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: pick(r, TEXT) } })
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig' } })
    }
    events.push({ type: 'content_block_stop', index })
  }
  if (chance(r, 0.1)) events.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
  events.push({ type: 'message_delta', delta: { stop_reason: pick(r, ['end_turn', 'tool_use', 'max_tokens', 'refusal', 'pause_turn']), stop_sequence: null }, usage: { output_tokens: int(r, 0, 999) } })
  if (chance(r, 0.9)) events.push({ type: 'message_stop' })
  return events
}

/** Damages a list of wire events: drops, repeats, junk events, mutated payloads. */
export function damage<T>(r: Random, items: T[], junkItem: () => T): T[] {
  let out = [...items]
  if (chance(r, 0.3)) out = mutate(out, r, int(r, 1, 4))
  if (chance(r, 0.2)) out.splice(int(r, 0, out.length), 0, junkItem())
  if (chance(r, 0.15)) out.splice(int(r, 0, Math.max(0, out.length - 1)), 1)
  if (chance(r, 0.1)) out.push(...out.slice(0, int(r, 0, 3)))
  return out
}

export function junkOpenAILine(r: Random): unknown {
  return pick(r, [{ error: { message: 'boom', type: 'server_error' } }, '[DONE]', { choices: junk(r) }, { choices: [{ index: 0, delta: junk(r), finish_reason: junk(r) }] }, junk(r)])
}

export function junkAnthropicEvent(r: Random): Record<string, unknown> {
  return pick(r, [{ type: 'error', error: { type: 'api_error', message: 'boom' } }, { type: 'content_block_delta', index: int(r, -1, 5), delta: junk(r) }, { type: 'brand_new' }, { type: junk(r) }, { type: 'content_block_start', index: int(r, 0, 5), content_block: junk(r) }])
}

/** Damages the bytes of a wire: a garbage event somewhere, or the tail cut off mid-event. */
export function damageBytes(r: Random, wire: string): Uint8Array {
  let text = wire
  if (chance(r, 0.1)) {
    const cut = text.lastIndexOf('\n\n', int(r, 0, text.length))
    text = `${text.slice(0, cut + 2)}data: {broken\n\n${text.slice(cut + 2)}`
  }
  let bytes = encoder.encode(text)
  if (chance(r, 0.15)) bytes = bytes.slice(0, int(r, 0, bytes.length))
  return bytes
}
