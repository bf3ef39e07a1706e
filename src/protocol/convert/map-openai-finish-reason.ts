// OpenAI finish_reason -> Anthropic stop_reason. Unknown or missing reasons (a stream cut short,
// a backend's own value) read as a normal end of turn.
import type { AnthropicStopReason } from '../anthropic/types'

export function mapOpenAIFinishReason(reason: unknown): AnthropicStopReason {
  switch (reason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'length':
      return 'max_tokens'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end_turn'
  }
}
