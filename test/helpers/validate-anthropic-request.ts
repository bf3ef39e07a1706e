// Checks that a body is a Messages request the Anthropic API accepts, as far as a translated request
// can get it wrong: no OpenAI-only fields, max_tokens a positive integer, only user/assistant turns
// (consecutive turns of one role are allowed: the API merges them), known content blocks, every
// tool_use answered by a tool_result with its id in the very next user message (results before any
// other block), temperature 0-1, thinking well formed. Returns the problems found; empty = valid.

const OPENAI_ONLY = [
  'stream_options',
  'max_completion_tokens',
  'n',
  'stop',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'frequency_penalty',
  'presence_penalty',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'seed',
  'user',
  'store',
  'functions',
  'function_call',
  'modalities',
  'audio',
  'prediction',
  // OpenAI Responses fields
  'input',
  'instructions',
  'max_output_tokens',
  'previous_response_id',
  'include',
  'reasoning',
  'text',
  'truncation',
  'client_metadata',
  'prompt_cache_key',
]
const BLOCKS = new Set(['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'])
const TOOL_ID = /^[a-zA-Z0-9_-]+$/

export function validateAnthropicRequest(body: unknown): string[] {
  const problems: string[] = []
  if (!isObj(body)) return ['body is not a JSON object']
  for (const key of OPENAI_ONLY) if (key in body) problems.push(`OpenAI-only field \`${key}\``)
  if (typeof body.model !== 'string' || body.model === '') problems.push('model must be a non-empty string')
  if (!(Number.isInteger(body.max_tokens) && (body.max_tokens as number) > 0)) problems.push('max_tokens must be a positive integer')
  if (body.temperature !== undefined && !(typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 1)) {
    problems.push('temperature must be 0-1')
  }
  if (body.system !== undefined && typeof body.system !== 'string' && !(Array.isArray(body.system) && body.system.every((b) => isObj(b) && b.type === 'text'))) {
    problems.push('system must be a string or text blocks')
  }
  if (body.stop_sequences !== undefined && !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === 'string' && s.trim() !== ''))) {
    problems.push('stop_sequences must be non-blank strings')
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) problems.push('tools must be an array')
    else
      body.tools.forEach((t, i) => {
        if (!isObj(t) || typeof t.name !== 'string' || t.name === '' || !isObj(t.input_schema)) problems.push(`tools.${i} must be {name, input_schema}`)
        else if ('function' in t || 'type' in t && t.type === 'function') problems.push(`tools.${i} is in the OpenAI shape`)
      })
  }
  if (body.tool_choice !== undefined) {
    const c = body.tool_choice
    if (!isObj(c) || !['auto', 'any', 'tool', 'none'].includes(String(c.type)) || (c.type === 'tool' && typeof c.name !== 'string')) problems.push('tool_choice is invalid')
  }
  if (body.thinking !== undefined) {
    const t = body.thinking
    if (!isObj(t) || !['enabled', 'disabled', 'adaptive'].includes(String(t.type))) problems.push('thinking is invalid')
    else if (t.type === 'enabled' && !(Number.isInteger(t.budget_tokens) && (t.budget_tokens as number) >= 1024 && (t.budget_tokens as number) < (body.max_tokens as number))) {
      problems.push('thinking.budget_tokens must be >= 1024 and below max_tokens')
    }
  }

  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    problems.push('messages must be a non-empty array')
    return problems
  }
  const messages: unknown[] = body.messages
  let pending: Set<string> = new Set()
  let previousRole: unknown
  messages.forEach((m, i) => {
    const at = `messages.${i}`
    if (!isObj(m)) return problems.push(`${at} is not an object`)
    if (m.role !== 'user' && m.role !== 'assistant') return problems.push(`${at}: invalid role ${JSON.stringify(m.role)}`)
    previousRole = m.role
    if ('tool_calls' in m || 'tool_call_id' in m || 'name' in m) problems.push(`${at}: OpenAI message fields`)
    const blocks: unknown[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : []
    if (typeof m.content !== 'string' && (!Array.isArray(m.content) || m.content.length === 0)) problems.push(`${at}: content must be a string or non-empty blocks`)
    if (typeof m.content === 'string' && m.content === '' && i < messages.length - 1) problems.push(`${at}: empty text content`)
    let seenOther = false
    const answered = new Set<string>()
    blocks.forEach((b, j) => {
      const bat = `${at}.content.${j}`
      if (!isObj(b) || !BLOCKS.has(String(b.type))) return problems.push(`${bat}: unknown block ${JSON.stringify(isObj(b) ? b.type : b)}`)
      if (b.type === 'text' && typeof b.text !== 'string') problems.push(`${bat}: text block without text`)
      if (b.type === 'tool_use') {
        if (m.role !== 'assistant') problems.push(`${bat}: tool_use in a user message`)
        if (typeof b.id !== 'string' || !TOOL_ID.test(b.id)) problems.push(`${bat}: tool_use id ${JSON.stringify(b.id)} is invalid`)
        if (!isObj(b.input)) problems.push(`${bat}: tool_use input must be an object`)
      }
      if (b.type === 'tool_result') {
        if (m.role !== 'user') problems.push(`${bat}: tool_result in an assistant message`)
        if (seenOther) problems.push(`${bat}: tool_result after other content`)
        const id = String(b.tool_use_id)
        if (!pending.has(id)) problems.push(`${bat}: tool_result ${id} answers no tool_use of the previous message`)
        answered.add(id)
      } else seenOther = true
    })
    if (m.role === 'user') {
      for (const id of pending) if (!answered.has(id)) problems.push(`${at}: tool_use ${id} has no tool_result here`)
      pending = new Set()
    } else {
      if (pending.size > 0) problems.push(`${at}: tool_use ${[...pending].join(', ')} never answered`)
      pending = new Set(blocks.filter((b) => isObj(b) && b.type === 'tool_use').map((b) => String((b as { id: unknown }).id)))
    }
  })
  if (previousRole !== 'user' && pending.size > 0) problems.push(`tool_use ${[...pending].join(', ')} never answered`)
  return problems
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
