// OpenAI tools, tool_choice and parallel_tool_calls -> Anthropic tools and tool_choice.
import type { TranslationWarning } from '../translation-warning'
import { isRecord, typeName } from './is-record'

export function convertOpenAITools(tools: unknown, warnings: TranslationWarning[]): Record<string, unknown>[] {
  if (!Array.isArray(tools)) return []
  const out: Record<string, unknown>[] = []
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
      warnings.push({ type: 'dropped-content', kind: 'tool', contentType: isRecord(tool) ? typeName(tool.type) : null })
      continue
    }
    const fn = tool.function
    // Anthropic requires an object schema; OpenAI allows leaving parameters out for no arguments.
    const schema = isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} }
    const converted: Record<string, unknown> = { name: fn.name, input_schema: { type: 'object', ...schema } }
    if (typeof fn.description === 'string') converted.description = fn.description
    out.push(converted)
  }
  return out
}

export function convertOpenAIToolChoice(choice: unknown, parallelToolCalls: unknown): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined
  if (choice === 'auto') out = { type: 'auto' }
  else if (choice === 'required') out = { type: 'any' }
  else if (choice === 'none') out = { type: 'none' }
  else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    out = { type: 'tool', name: choice.function.name }
  }
  if (parallelToolCalls === false) {
    out ??= { type: 'auto' }
    if (out.type !== 'none') out.disable_parallel_tool_use = true
  }
  return out
}
