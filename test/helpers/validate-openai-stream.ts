// Checks the text of a Chat Completions stream as an OpenAI client reads it: every event is one
// `data: <json>` line, `data: [DONE]` comes last and once, chunks share one id, the role comes
// first, tool call indexes start at 0 and each new one brings id and name, and a finish_reason
// appears at most once. An `{"error":...}` chunk may end the stream before [DONE].

export function validateOpenAIStream(text: string): string[] {
  const problems: string[] = []
  if (!text.endsWith('data: [DONE]\n\n')) problems.push('the stream does not end with data: [DONE]')
  const events = text.split('\n\n').filter((e) => e !== '')
  let id: unknown
  let finished = false
  let errored = false
  let roleSeen = false
  const tools = new Set<number>()
  events.forEach((e, i) => {
    const at = `event ${i}`
    if (e.includes('\n')) return problems.push(`${at}: spans several lines`)
    if (!e.startsWith('data: ')) return problems.push(`${at}: is not a data: line`)
    const payload = e.slice(6)
    if (payload === '[DONE]') {
      if (i !== events.length - 1) problems.push(`${at}: [DONE] is not last`)
      return
    }
    let chunk: Record<string, unknown>
    try {
      chunk = JSON.parse(payload) as Record<string, unknown>
    } catch {
      return problems.push(`${at}: data is not JSON`)
    }
    if (errored) problems.push(`${at}: chunk after an error`)
    if ('error' in chunk) {
      errored = true
      const err = chunk.error as Record<string, unknown> | null
      if (typeof err?.message !== 'string' || typeof err?.type !== 'string') problems.push(`${at}: error without message and type`)
      return
    }
    if (chunk.object !== 'chat.completion.chunk') problems.push(`${at}: object is not chat.completion.chunk`)
    if (id === undefined) id = chunk.id
    else if (chunk.id !== id) problems.push(`${at}: id changed`)
    if (!Array.isArray(chunk.choices)) return problems.push(`${at}: choices is not an array`)
    if (chunk.choices.length === 0) {
      if (typeof chunk.usage !== 'object' || chunk.usage === null) problems.push(`${at}: empty choices without usage`)
      return
    }
    const choice = chunk.choices[0] as Record<string, unknown>
    const delta = (choice.delta ?? {}) as Record<string, unknown>
    if (!roleSeen) {
      if (delta.role !== 'assistant') problems.push(`${at}: the first chunk must carry role assistant`)
      roleSeen = true
    }
    if (finished) problems.push(`${at}: choice chunk after finish_reason`)
    if (choice.finish_reason !== null) finished = true
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls as Record<string, unknown>[]) {
        const index = call.index as number
        if (typeof index !== 'number') problems.push(`${at}: tool call without index`)
        else if (!tools.has(index)) {
          if (index !== tools.size) problems.push(`${at}: tool index ${index}, expected ${tools.size}`)
          const fn = (call.function ?? {}) as Record<string, unknown>
          if (typeof call.id !== 'string' || typeof fn.name !== 'string') problems.push(`${at}: first fragment of tool ${index} lacks id or name`)
          tools.add(index)
        }
      }
    }
  })
  return problems
}
