// Checks that a body is a request the OpenAI Responses API accepts, as far as a relayed request can
// get it wrong: a model, `input` as a string or a list of items, tools in the Responses shape (a
// function's name at the top level, not under `function`), and none of the Chat Completions or
// Anthropic fields a translation might leak. Returns the problems found; empty means valid.

const FOREIGN = ['messages', 'max_tokens', 'max_completion_tokens', 'n', 'stop', 'response_format', 'reasoning_effort', 'functions', 'function_call', 'system', 'stop_sequences', 'thinking', 'top_k']

export function validateResponsesRequest(body: unknown): string[] {
  const problems: string[] = []
  if (!isObj(body)) return ['body is not a JSON object']
  for (const key of FOREIGN) if (key in body) problems.push(`field \`${key}\` is not a Responses field`)
  if (typeof body.model !== 'string' || body.model === '') problems.push('model must be a non-empty string')
  if (isObj(body.stream_options) && 'include_usage' in body.stream_options) problems.push('stream_options.include_usage is a Chat Completions option')
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) problems.push('input must be a string or an array of items')
  if (Array.isArray(body.input)) {
    body.input.forEach((item, i) => {
      if (!isObj(item) || (typeof item.type !== 'string' && typeof item.role !== 'string')) problems.push(`input.${i} is not an item`)
    })
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) problems.push('tools must be an array')
    else
      body.tools.forEach((t, i) => {
        if (!isObj(t) || typeof t.type !== 'string') return problems.push(`tools.${i} has no type`)
        if (t.type === 'function' && (typeof t.name !== 'string' || 'function' in t)) problems.push(`tools.${i} is not a Responses function tool`)
      })
  }
  return problems
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
