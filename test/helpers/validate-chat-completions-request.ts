// Checks that a body is a Chat Completions request a strict OpenAI-compatible backend (OpenAI,
// vLLM) accepts: no Anthropic-only fields at any depth, valid roles and parts, every assistant tool
// call answered by a tool message with its id before the next non-tool message, no stray tool
// message. Returns the problems found; empty means valid.

// Fields of an Anthropic request. `metadata` and `service_tier` exist in OpenAI's API too, but with
// other meanings and values; a translated request has no business carrying them.
const ANTHROPIC_ONLY = [
  'system',
  'stop_sequences',
  'top_k',
  'thinking',
  'context_management',
  'output_config',
  'mcp_servers',
  'container',
  'cache_control',
  'anthropic_version',
  'anthropic_beta',
  'betas',
  'service_tier',
  'metadata',
]
// Fields of an OpenAI Responses request that Chat Completions does not have.
const RESPONSES_ONLY = ['input', 'instructions', 'max_output_tokens', 'previous_response_id', 'include', 'reasoning', 'text', 'truncation', 'client_metadata', 'conversation', 'background', 'prompt', 'max_tool_calls', 'prompt_cache_retention']
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool'])
const TOOL_CHOICES = new Set(['none', 'auto', 'required'])

export function validateChatCompletionsRequest(body: unknown): string[] {
  const problems: string[] = []
  if (!isObj(body)) return ['body is not a JSON object']
  for (const key of ANTHROPIC_ONLY) if (key in body) problems.push(`Anthropic-only field \`${key}\``)
  for (const key of RESPONSES_ONLY) if (key in body) problems.push(`Responses-only field \`${key}\``)
  findKey(body, 'cache_control', '', problems)
  if (typeof body.model !== 'string' || body.model === '') problems.push('model must be a non-empty string')
  for (const key of ['max_tokens', 'max_completion_tokens']) {
    const v = body[key]
    if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) problems.push(`${key} must be a positive integer`)
  }
  if (body.temperature !== undefined && !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 2)) {
    problems.push('temperature must be 0-2')
  }
  if (body.stop !== undefined && !(Array.isArray(body.stop) && body.stop.length <= 4 && body.stop.every((s) => typeof s === 'string'))) {
    problems.push('stop must be up to 4 strings')
  }
  if (body.stream_options !== undefined && body.stream !== true) problems.push('stream_options without stream: true')
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools) || body.tools.length === 0) problems.push('tools must be a non-empty array')
    else
      body.tools.forEach((t, i) => {
        const fn = isObj(t) ? t.function : undefined
        if (!isObj(t) || t.type !== 'function' || !isObj(fn) || typeof fn.name !== 'string' || fn.name === '') {
          problems.push(`tools.${i} must be {type:"function", function:{name}}`)
        } else if (fn.parameters !== undefined && !isObj(fn.parameters)) problems.push(`tools.${i}.function.parameters must be an object`)
      })
  }
  if (body.tool_choice !== undefined) {
    const c = body.tool_choice
    const ok = TOOL_CHOICES.has(c as string) || (isObj(c) && c.type === 'function' && isObj(c.function) && typeof c.function.name === 'string')
    if (!ok) problems.push('tool_choice is invalid')
    if (body.tools === undefined) problems.push('tool_choice without tools')
  }
  if (body.parallel_tool_calls !== undefined && typeof body.parallel_tool_calls !== 'boolean') problems.push('parallel_tool_calls must be a boolean')

  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    problems.push('messages must be a non-empty array')
    return problems
  }
  let pending = new Set<string>()
  body.messages.forEach((m, i) => {
    const at = `messages.${i}`
    if (!isObj(m)) return problems.push(`${at} is not an object`)
    const role = m.role
    if (!ROLES.has(role as string)) return problems.push(`${at}: invalid role ${JSON.stringify(role)}`)
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || !pending.has(m.tool_call_id)) {
        problems.push(`${at}: tool message ${JSON.stringify(m.tool_call_id)} answers no pending tool call`)
      } else pending.delete(m.tool_call_id)
      if (typeof m.content !== 'string' && !textParts(m.content)) problems.push(`${at}: tool content must be a string or text parts`)
      return
    }
    if (pending.size > 0) problems.push(`${at}: tool calls ${[...pending].join(', ')} are not answered before this ${String(role)} message`)
    pending = new Set()
    if (role === 'assistant') {
      const hasCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0
      if (m.content === null || m.content === undefined) {
        if (!hasCalls) problems.push(`${at}: assistant without content or tool_calls`)
      } else if (typeof m.content !== 'string' && !textParts(m.content)) problems.push(`${at}: assistant content must be a string or text parts`)
      if (m.tool_calls !== undefined && !Array.isArray(m.tool_calls)) problems.push(`${at}: tool_calls must be an array`)
      if (Array.isArray(m.tool_calls)) {
        m.tool_calls.forEach((c, j) => {
          const fn = isObj(c) ? c.function : undefined
          if (!isObj(c) || typeof c.id !== 'string' || c.id === '' || c.type !== 'function' || !isObj(fn) || typeof fn.name !== 'string') {
            return problems.push(`${at}.tool_calls.${j} is malformed`)
          }
          if (typeof fn.arguments !== 'string') return problems.push(`${at}.tool_calls.${j}: arguments must be a string`)
          try {
            JSON.parse(fn.arguments)
          } catch {
            problems.push(`${at}.tool_calls.${j}: arguments are not JSON`)
          }
          if (pending.has(c.id)) problems.push(`${at}.tool_calls.${j}: duplicate id ${c.id}`)
          pending.add(c.id)
        })
      }
      return
    }
    if (role === 'user') {
      if (typeof m.content === 'string') return
      if (!Array.isArray(m.content) || m.content.length === 0) return problems.push(`${at}: user content must be a string or parts`)
      m.content.forEach((p, j) => {
        const ok =
          isObj(p) &&
          ((p.type === 'text' && typeof p.text === 'string') || (p.type === 'image_url' && isObj(p.image_url) && typeof p.image_url.url === 'string'))
        if (!ok) problems.push(`${at}.content.${j} is not a text or image_url part`)
      })
      return
    }
    if (typeof m.content !== 'string' && !textParts(m.content)) problems.push(`${at}: ${String(role)} content must be a string or text parts`)
  })
  if (pending.size > 0) problems.push(`tool calls ${[...pending].join(', ')} are never answered`)
  return problems
}

function textParts(content: unknown): boolean {
  return Array.isArray(content) && content.every((p) => isObj(p) && p.type === 'text' && typeof p.text === 'string')
}

/** Reports `key` anywhere in the body except inside tool parameter schemas (user data). */
function findKey(value: unknown, key: string, path: string, problems: string[]) {
  if (Array.isArray(value)) return value.forEach((v, i) => findKey(v, key, `${path}.${i}`, problems))
  if (!isObj(value)) return
  for (const [k, v] of Object.entries(value)) {
    const p = path === '' ? k : `${path}.${k}`
    if (k === key) problems.push(`\`${key}\` at ${p}`)
    if (k === 'parameters') continue
    findKey(v, key, p, problems)
  }
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
