// Seeded generators for the converter fuzz test: well-formed requests and streams in both wire
// formats, and mutations that break them in the ways real traffic does (missing fields, wrong
// types, junk values, dropped or foreign chunks, truncation).

import { GatewayError } from '../../src/errors/gateway-error'

export type Random = () => number

/** Runs fn; a GatewayError (of `status`, when given) is an allowed outcome, anything else fails with the seed. */
export function allowGatewayError<T>(seed: number, fn: () => T, status?: number): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (e instanceof GatewayError && (status === undefined || e.status === status)) return undefined
    throw new Error(`seed ${seed}: ${String(e)}\n${(e as Error).stack}`)
  }
}

export const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
export const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!
export const chance = (r: Random, p: number) => r() < p

const STRINGS = ['', 'hello', 'héllo 👋', 'line\nbreak', '"quoted"', 'data: [DONE]', '\n\n', '{"a":', 'x'.repeat(300), ' ', 'toolu_01', 'call.1:x']

export function junk(r: Random, depth = 0): unknown {
  switch (int(r, 0, depth > 2 ? 4 : 6)) {
    case 0:
      return null
    case 1:
      return int(r, -5, 200000) * (chance(r, 0.2) ? 0.5 : 1)
    case 2:
      return pick(r, STRINGS)
    case 3:
      return chance(r, 0.5)
    case 4:
      return undefined
    case 5:
      return Array.from({ length: int(r, 0, 3) }, () => junk(r, depth + 1))
    default:
      return Object.fromEntries(Array.from({ length: int(r, 0, 3) }, () => [pick(r, ['type', 'text', 'id', 'content', 'x']), junk(r, depth + 1)]))
  }
}

/** Applies `count` random edits anywhere in a JSON value: delete a key, replace a value, duplicate an element. */
export function mutate<T>(value: T, r: Random, count: number): T {
  const root = structuredClone(value) as unknown
  for (let i = 0; i < count; i++) {
    const slots: Array<[Record<string, unknown> | unknown[], string | number]> = []
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach((c, k) => (slots.push([v, k]), walk(c)))
      else if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) slots.push([v as Record<string, unknown>, k]), walk(c)
    }
    walk(root)
    if (slots.length === 0) break
    const [parent, key] = pick(r, slots)
    const action = int(r, 0, 2)
    if (Array.isArray(parent)) {
      const k = key as number
      if (action === 0) parent.splice(k, 1)
      else if (action === 1) parent[k] = junk(r)
      else parent.splice(k, 0, structuredClone(parent[k]))
    } else if (action === 0) delete parent[key as string]
    else parent[key as string] = junk(r)
  }
  return root as T
}

const cache = (r: Random) => ({ cache_control: { type: 'ephemeral', ...(chance(r, 0.5) ? { ttl: '1h' } : { scope: 'session' }) } })

export function anthropicRequest(r: Random): Record<string, unknown> {
  const messages: Record<string, unknown>[] = []
  let id = 0
  for (let turn = 0, n = int(r, 1, 6); turn < n; turn++) {
    const pending: string[] = []
    if (turn > 0) {
      const blocks: Record<string, unknown>[] = []
      if (chance(r, 0.5)) blocks.push({ type: 'thinking', thinking: pick(r, STRINGS), signature: 'sig' })
      if (chance(r, 0.2)) blocks.push({ type: 'redacted_thinking', data: 'x' })
      if (chance(r, 0.7)) blocks.push({ type: 'text', text: pick(r, STRINGS) || 'ok' })
      for (let k = int(r, 0, 3); k > 0; k--) {
        const toolId = `toolu_${id++}`
        pending.push(toolId)
        blocks.push({ type: 'tool_use', id: toolId, name: pick(r, ['Bash', 'Read', 'Edit']), input: { path: pick(r, STRINGS), n: int(r, 0, 9) } })
      }
      messages.push({ role: 'assistant', content: blocks })
      if (chance(r, 0.1)) messages.push({ role: 'system', content: 'reminder' })
    }
    const results = pending.map((toolUseId) => ({
      type: 'tool_result',
      tool_use_id: toolUseId,
      is_error: chance(r, 0.2),
      content: chance(r, 0.5) ? pick(r, STRINGS) : [{ type: 'text', text: pick(r, STRINGS) }, ...(chance(r, 0.2) ? [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] : [])],
      ...(chance(r, 0.3) ? cache(r) : {}),
    }))
    results.sort(() => r() - 0.5)
    const extra: Record<string, unknown>[] = []
    if (chance(r, 0.8)) extra.push({ type: 'text', text: pick(r, STRINGS) || 'q', ...(chance(r, 0.3) ? cache(r) : {}) })
    if (chance(r, 0.15)) extra.push({ type: 'image', source: chance(r, 0.5) ? { type: 'url', url: 'https://e.x/a.png' } : { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } })
    if (chance(r, 0.1)) extra.push({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } })
    if (results.length > 1 && chance(r, 0.3)) {
      // Parallel results split over two user messages.
      messages.push({ role: 'user', content: results.slice(0, 1) })
      messages.push({ role: 'user', content: [...results.slice(1), ...extra] })
    } else if (results.length + extra.length > 0) messages.push({ role: 'user', content: [...results, ...extra] })
    else messages.push({ role: 'user', content: 'go on' })
  }
  const body: Record<string, unknown> = { model: 'claude-opus-5-5', max_tokens: int(r, 1, 128000), messages, stream: chance(r, 0.7) }
  if (chance(r, 0.7)) body.system = chance(r, 0.5) ? 'sys' : [{ type: 'text', text: 'a', ...cache(r) }, { type: 'text', text: 'b' }]
  if (chance(r, 0.6)) {
    body.tools = [{ name: 'Bash', description: 'd', input_schema: { type: 'object', properties: { c: { type: 'string' } } }, ...cache(r) }, { type: 'web_search_20250305', name: 'web_search' }]
    body.tool_choice = pick(r, [{ type: 'auto' }, { type: 'any' }, { type: 'none' }, { type: 'tool', name: 'Bash' }, { type: 'auto', disable_parallel_tool_use: true }])
  }
  if (chance(r, 0.5)) body.temperature = r()
  if (chance(r, 0.3)) body.stop_sequences = ['a', 'b', 'c', 'd', 'e'].slice(0, int(r, 0, 5))
  for (const f of ['thinking', 'context_management', 'output_config', 'metadata', 'top_k', 'service_tier', 'cache_control']) if (chance(r, 0.3)) body[f] = { type: 'adaptive', effort: 'high', user_id: 'u' }
  return body
}

export function openAIRequest(r: Random): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [{ role: pick(r, ['system', 'developer']), content: 'sys' }]
  let id = 0
  for (let turn = 0, n = int(r, 1, 5); turn < n; turn++) {
    messages.push({ role: 'user', content: chance(r, 0.5) ? pick(r, STRINGS) : [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: pick(r, ['data:image/png;base64,iVBOR', 'https://e.x/a.png', 'ftp://x']) } }] })
    const calls = Array.from({ length: int(r, 0, 3) }, () => ({ id: `call.${id++}`, type: 'function', function: { name: 'f', arguments: pick(r, ['{"a":1}', '', '{bad']) } }))
    messages.push({ role: 'assistant', content: chance(r, 0.5) ? '' : 'answer', ...(calls.length > 0 ? { tool_calls: calls } : {}) })
    for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: pick(r, STRINGS) })
  }
  const body: Record<string, unknown> = { model: 'gpt-4o', messages, stream: chance(r, 0.5), max_tokens: int(r, 1, 100000) }
  if (chance(r, 0.5)) body.temperature = r() * 2
  if (chance(r, 0.3)) body.stop = pick(r, ['x', ['a', ' '], []])
  if (chance(r, 0.5)) {
    body.tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]
    body.tool_choice = pick(r, ['auto', 'none', 'required', { type: 'function', function: { name: 'f' } }])
    if (chance(r, 0.3)) body.parallel_tool_calls = false
  }
  if (chance(r, 0.3)) body.reasoning_effort = pick(r, ['minimal', 'low', 'medium', 'high'])
  if (chance(r, 0.2)) body.response_format = { type: 'json_object' }
  if (chance(r, 0.2)) body.frequency_penalty = 0.5
  return body
}

/** A Responses API request as Codex and the SDKs send them: developer and user messages, reasoning, calls and their outputs, function, namespace and built-in tools. */
export function responsesRequest(r: Random): Record<string, unknown> {
  const text = (role: string) => ({ type: 'message', role, content: chance(r, 0.5) ? pick(r, STRINGS) || 'x' : [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: pick(r, STRINGS) }] })
  const input: Record<string, unknown>[] = [text('developer'), text('user')]
  let id = 0
  for (let turn = 0, n = int(r, 0, 4); turn < n; turn++) {
    if (chance(r, 0.5)) input.push({ type: 'reasoning', id: `rs_${turn}`, summary: [{ type: 'summary_text', text: pick(r, STRINGS) }], content: chance(r, 0.5) ? [{ type: 'reasoning_text', text: 'r' }] : null, encrypted_content: chance(r, 0.5) ? 'sig' : null })
    if (chance(r, 0.4)) input.push(text('assistant'))
    const calls = Array.from({ length: int(r, 0, 3) }, () => `call_${id++}`)
    for (const callId of calls) input.push({ type: 'function_call', call_id: callId, name: pick(r, ['exec_command', 'view_image']), ...(chance(r, 0.2) ? { namespace: 'goals' } : {}), arguments: pick(r, ['{"cmd":"ls"}', '{}', '{bad', '']) })
    for (const callId of [...calls].sort(() => r() - 0.5)) {
      input.push({ type: 'function_call_output', call_id: callId, output: chance(r, 0.7) ? pick(r, STRINGS) : [{ type: 'input_text', text: 'out' }, { type: 'input_image', image_url: pick(r, ['data:image/png;base64,iVBOR', 'https://e.x/a.png', 'file-abc']) }] })
    }
    if (chance(r, 0.2)) input.push(text('developer'))
    if (chance(r, 0.2)) input.push({ type: 'web_search_call', id: `ws_${turn}`, status: 'completed' })
    input.push(text('user'))
  }
  const body: Record<string, unknown> = { model: 'gpt-5-codex', input: chance(r, 0.1) ? pick(r, STRINGS) || 'hi' : input, stream: chance(r, 0.7), store: false }
  if (chance(r, 0.3)) body.instructions = pick(r, STRINGS)
  if (chance(r, 0.7)) {
    body.tools = [
      { type: 'function', name: 'exec_command', description: 'run', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false },
      { type: 'function', name: 'view_image', parameters: { type: 'object', properties: {} } },
      { type: 'namespace', name: 'goals', description: 'g', tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} } }, { type: 'custom', name: 'free' }] },
      ...(chance(r, 0.5) ? [{ type: 'web_search' }] : []),
    ]
    body.tool_choice = pick(r, ['auto', 'none', 'required', { type: 'function', name: 'exec_command' }, { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'view_image' }] }])
    body.parallel_tool_calls = chance(r, 0.7)
  }
  if (chance(r, 0.5)) body.reasoning = { effort: pick(r, ['minimal', 'low', 'medium', 'high', 'xhigh', 'none']), summary: 'auto' }
  if (chance(r, 0.5)) body.include = ['reasoning.encrypted_content', ...(chance(r, 0.3) ? ['message.output_text.logprobs'] : [])]
  if (chance(r, 0.3)) body.max_output_tokens = int(r, 1, 200000)
  if (chance(r, 0.3)) body.temperature = r()
  if (chance(r, 0.2)) body.text = { format: pick(r, [{ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', name: 's', schema: { type: 'object' } }]), verbosity: 'low' }
  for (const f of ['prompt_cache_key', 'client_metadata', 'metadata', 'service_tier', 'truncation']) if (chance(r, 0.3)) body[f] = f === 'truncation' ? 'auto' : 'x'
  return body
}
