import { expect, it } from 'bun:test'
import { mapOpenAIFinishReason } from './map-openai-finish-reason'

it('maps each OpenAI finish_reason to its Anthropic stop_reason, end_turn by default', () => {
  expect(mapOpenAIFinishReason('stop')).toBe('end_turn')
  expect(mapOpenAIFinishReason('length')).toBe('max_tokens')
  expect(mapOpenAIFinishReason('tool_calls')).toBe('tool_use')
  expect(mapOpenAIFinishReason('function_call')).toBe('tool_use')
  expect(mapOpenAIFinishReason('content_filter')).toBe('refusal')
  expect(mapOpenAIFinishReason(null)).toBe('end_turn')
  expect(mapOpenAIFinishReason('abort')).toBe('end_turn')
})
