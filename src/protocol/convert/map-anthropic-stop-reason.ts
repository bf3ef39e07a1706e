// Anthropic stop_reason -> OpenAI finish_reason. pause_turn has no twin: the turn did end, so `stop`.
import type { OpenAIFinishReason } from '../openai/types'

export function mapAnthropicStopReason(reason: unknown): OpenAIFinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop'
  }
}
