import { expect, it } from 'bun:test'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason'

it('maps each Anthropic stop_reason to its OpenAI finish_reason, stop by default', () => {
  expect(mapAnthropicStopReason('end_turn')).toBe('stop')
  expect(mapAnthropicStopReason('stop_sequence')).toBe('stop')
  expect(mapAnthropicStopReason('pause_turn')).toBe('stop')
  expect(mapAnthropicStopReason('max_tokens')).toBe('length')
  expect(mapAnthropicStopReason('model_context_window_exceeded')).toBe('length')
  expect(mapAnthropicStopReason('tool_use')).toBe('tool_calls')
  expect(mapAnthropicStopReason('refusal')).toBe('content_filter')
  expect(mapAnthropicStopReason(undefined)).toBe('stop')
})
