// Anthropic tools and tool_choice -> OpenAI tools, tool_choice and parallel_tool_calls.
// Server tools (web_search_*, bash_*, text_editor_*, ...) run inside Anthropic's API; an
// OpenAI-compatible backend cannot run them, so they are dropped with a warning.
import type { TranslationWarning } from '../translation-warning'
import { isRecord, typeName } from './is-record'

export function convertAnthropicTools(tools: unknown, warnings: TranslationWarning[]): Record<string, unknown>[] {
  if (!Array.isArray(tools)) {
    if (tools !== undefined) warnings.push({ type: 'dropped-malformed', field: 'tools' })
    return []
  }
  const out: Record<string, unknown>[] = []
  for (const tool of tools) {
    if (!isRecord(tool) || typeof tool.name !== 'string') {
      warnings.push({ type: 'dropped-content', kind: 'tool', contentType: null })
      continue
    }
    const isCustom = tool.type === undefined || tool.type === 'custom'
    if (!isCustom || !isRecord(tool.input_schema)) {
      warnings.push({ type: 'dropped-content', kind: 'tool', contentType: typeName(tool.type) })
      continue
    }
    const fn: Record<string, unknown> = { name: tool.name, parameters: tool.input_schema }
    if (typeof tool.description === 'string') fn.description = tool.description
    out.push({ type: 'function', function: fn })
  }
  return out
}

/** The OpenAI fields for an Anthropic tool_choice; empty when there are no tools to choose from. */
export function convertAnthropicToolChoice(
  choice: unknown,
  hasTools: boolean,
  warnings: TranslationWarning[],
): { tool_choice?: unknown; parallel_tool_calls?: boolean } {
  if (!hasTools || !isRecord(choice)) return {}
  const out: { tool_choice?: unknown; parallel_tool_calls?: boolean } = {}
  switch (choice.type) {
    case 'auto':
      out.tool_choice = 'auto'
      break
    case 'any':
      out.tool_choice = 'required'
      break
    case 'none':
      out.tool_choice = 'none'
      break
    case 'tool':
      out.tool_choice = { type: 'function', function: { name: String(choice.name) } }
      break
    default:
      warnings.push({ type: 'dropped-content', kind: 'tool_choice', contentType: typeName(choice.type) })
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false
  return out
}
