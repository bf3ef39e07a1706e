// Anthropic requires tool ids to match ^[a-zA-Z0-9_-]+$; OpenAI-compatible backends use any string
// (Mistral-style `abc.123`, ids with colons). The same function runs on tool_calls and on the
// tool_call_id that answers them, so a pair that matched before still matches after.
import { createId } from './create-id'

export function sanitizeToolId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return createId('toolu_')
  return id.replace(/[^a-zA-Z0-9_-]/g, '_')
}
