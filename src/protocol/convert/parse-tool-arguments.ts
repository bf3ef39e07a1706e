// OpenAI tool arguments are a JSON string that a model wrote; Anthropic wants an object. Empty,
// invalid or non-object arguments become `{}` so the client still gets a well-formed tool_use.
import { isRecord } from './is-record'

export function parseToolArguments(args: unknown): Record<string, unknown> {
  if (isRecord(args)) return args
  if (typeof args !== 'string' || args.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(args)
    return isRecord(parsed) ? parsed : {}
  } catch {
    return {}
  }
}
