// Responses tools and tool_choice -> Chat Completions tools and tool_choice.
//   - function tools ({type, name, description, parameters}) become functions; a schema that cannot
//     describe arguments (not an object, a `type` other than object, malformed properties or
//     required) is refused with a 400 naming the tool, since the backend would refuse it later.
//   - namespace tools (a named group of function tools) are flattened: each function is offered as
//     `<namespace>__<name>` and its calls are named back (./tool-name.ts); custom tools inside are
//     dropped, and a namespace left with no function is dropped.
//   - built-in tools (web_search, file_search, code_interpreter, computer use, image generation,
//     mcp, shell, apply_patch, custom grammar tools, ...) run inside OpenAI's platform; a backend
//     cannot run them. They are dropped with a warning, and a tool_choice that requires one is a 400.
import { GatewayError } from '../../errors/gateway-error'
import { isRecord, typeName } from '../convert/is-record'
import type { TranslationWarning } from '../translation-warning'
import { quoted } from './quoted'
import { flatToolName } from './tool-name'

export interface ConvertedTools {
  /** Chat Completions function tools. */
  tools: Record<string, unknown>[]
  /** Flattened name -> namespace and name, for the tools that came inside a namespace; null when none did. */
  namespaced: Map<string, { namespace: string; name: string }> | null
  /** Types of the built-in tools that were dropped. */
  dropped: Set<string>
}

const MAX_NAME_LENGTH = 128

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', message, { param })
}

/** The function, checked; throws a 400 that names `at` when its name or schema is unusable. */
function functionTool(tool: Record<string, unknown>, at: string): { name: string; description?: string; parameters: Record<string, unknown> } {
  const name = tool.name
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME_LENGTH) {
    throw invalid(`${at}.name: expected a function name of 1 to ${MAX_NAME_LENGTH} characters`, `${at}.name`)
  }
  const params = tool.parameters
  let parameters: Record<string, unknown>
  if (params === undefined || params === null) parameters = { type: 'object', properties: {} }
  else if (!isRecord(params)) throw invalid(`${at}.parameters: expected a JSON schema object`, `${at}.parameters`)
  else {
    if (params.type !== undefined && params.type !== 'object') throw invalid(`${at}.parameters.type: a function's arguments must be an object, got ${quoted(params.type)}`, `${at}.parameters`)
    if (params.properties !== undefined && !isRecord(params.properties)) throw invalid(`${at}.parameters.properties: expected an object`, `${at}.parameters`)
    if (params.required !== undefined && !(Array.isArray(params.required) && params.required.every((r) => typeof r === 'string'))) {
      throw invalid(`${at}.parameters.required: expected an array of property names`, `${at}.parameters`)
    }
    parameters = params.type === undefined ? { type: 'object', ...params } : params
  }
  return { name, ...(typeof tool.description === 'string' && tool.description !== '' ? { description: tool.description } : {}), parameters }
}

export function convertResponsesTools(tools: unknown, warnings: TranslationWarning[]): ConvertedTools {
  const out: ConvertedTools = { tools: [], namespaced: null, dropped: new Set() }
  if (tools === undefined || tools === null) return out
  if (!Array.isArray(tools)) throw invalid('tools: expected an array of tools', 'tools')
  const names = new Set<string>()
  const add = (fn: { name: string; description?: string; parameters: Record<string, unknown> }, flat: string, at: string) => {
    if (names.has(flat)) throw invalid(`${at}: a tool named ${JSON.stringify(flat)} is declared twice`, at)
    names.add(flat)
    out.tools.push({ type: 'function', function: { ...fn, name: flat } })
  }
  tools.forEach((tool, i) => {
    const at = `tools[${i}]`
    if (!isRecord(tool) || typeof tool.type !== 'string') throw invalid(`${at}: expected a tool object with a type`, at)
    if (tool.type === 'function') {
      const fn = functionTool(tool, at)
      add(fn, fn.name, at)
    } else if (tool.type === 'namespace') {
      if (typeof tool.name !== 'string' || tool.name === '') throw invalid(`${at}.name: expected the namespace's name`, `${at}.name`)
      if (!Array.isArray(tool.tools)) throw invalid(`${at}.tools: expected an array of tools`, `${at}.tools`)
      let flattened = 0
      tool.tools.forEach((inner, j) => {
        const innerAt = `${at}.tools[${j}]`
        if (!isRecord(inner) || inner.type !== 'function') {
          warnings.push({ type: 'dropped-content', kind: 'tool', contentType: isRecord(inner) ? typeName(inner.type) : null })
          return
        }
        const fn = functionTool(inner, innerAt)
        const flat = flatToolName(tool.name as string, fn.name)
        add(fn, flat, innerAt)
        ;(out.namespaced ??= new Map()).set(flat, { namespace: tool.name as string, name: fn.name })
        flattened++
      })
      if (flattened > 0) warnings.push({ type: 'adapted', what: 'namespace-tools-flattened', count: flattened })
      else warnings.push({ type: 'dropped-content', kind: 'tool', contentType: 'namespace' })
    } else {
      out.dropped.add(tool.type)
      warnings.push({ type: 'dropped-content', kind: 'tool', contentType: tool.type })
    }
  })
  return out
}

/**
 * The Chat Completions tool_choice (and the tools it leaves, for `allowed_tools`). Throws a 400
 * when the choice requires a tool the backend cannot be given.
 */
export function convertResponsesToolChoice(choice: unknown, converted: ConvertedTools): { tool_choice?: unknown; tools: Record<string, unknown>[] } {
  const { tools } = converted
  const nameOf = (t: Record<string, unknown>) => (t.function as { name: string }).name
  if (choice === undefined || choice === null) return { tools }
  if (choice === 'auto' || choice === 'none' || choice === 'required') {
    if (tools.length > 0) return { tool_choice: choice, tools }
    if (choice === 'required') throw invalid('tool_choice: "required", but none of the tools can run on this backend', 'tool_choice')
    return { tools }
  }
  if (!isRecord(choice) || typeof choice.type !== 'string') throw invalid('tool_choice: expected "none", "auto", "required" or a tool choice object', 'tool_choice')
  if (choice.type === 'function') {
    if (typeof choice.name !== 'string') throw invalid('tool_choice.name: expected the name of a function tool', 'tool_choice')
    const flat = typeof choice.namespace === 'string' ? flatToolName(choice.namespace, choice.name) : choice.name
    if (!tools.some((t) => nameOf(t) === flat)) throw invalid(`tool_choice: no function tool named ${quoted(choice.name)} was declared`, 'tool_choice')
    return { tool_choice: { type: 'function', function: { name: flat } }, tools }
  }
  if (choice.type === 'allowed_tools') {
    const mode = choice.mode === 'required' ? 'required' : 'auto'
    const allowed = new Set<string>()
    if (Array.isArray(choice.tools)) {
      for (const t of choice.tools) {
        if (isRecord(t) && t.type === 'function' && typeof t.name === 'string') allowed.add(typeof t.namespace === 'string' ? flatToolName(t.namespace, t.name) : t.name)
      }
    }
    const kept = tools.filter((t) => allowed.has(nameOf(t)))
    if (kept.length === 0) {
      if (mode === 'required') throw invalid('tool_choice: "required" among allowed tools, but none of them can run on this backend', 'tool_choice')
      return { tools: [] }
    }
    return { tool_choice: mode, tools: kept }
  }
  // A built-in tool (web_search, file_search, mcp, ...) or a custom tool, which no backend here can run.
  throw invalid(`tool_choice: requires the ${quoted(choice.type)} tool, which runs only on OpenAI's platform and cannot run on this backend`, 'tool_choice')
}
