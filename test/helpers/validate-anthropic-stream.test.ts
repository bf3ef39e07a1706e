import { describe, expect, it } from 'bun:test'
import { validateAnthropicEvents } from './validate-anthropic-stream'

const ev = (data: Record<string, unknown>) => ({ event: data.type as string, data: JSON.stringify(data) })
const start = ev({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 1, output_tokens: 0 } } })
const textStart = (index: number) => ev({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
const textDelta = (index: number) => ev({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: 'x' } })
const stop = (index: number) => ev({ type: 'content_block_stop', index })
const end = [ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } }), ev({ type: 'message_stop' })]

describe('validateAnthropicEvents', () => {
  it('accepts a well-formed stream', () => {
    expect(validateAnthropicEvents([start, textStart(0), textDelta(0), stop(0), ...end])).toEqual([])
  })

  it('flags a duplicate message_start', () => {
    expect(validateAnthropicEvents([start, start, ...end])[0]).toContain('duplicate message_start')
  })

  it('flags a delta for a block that is not open ("content block not found")', () => {
    expect(validateAnthropicEvents([start, textStart(0), stop(0), textDelta(0), ...end])[0]).toContain('not open')
  })

  it('flags block indexes that skip', () => {
    expect(validateAnthropicEvents([start, textStart(1), stop(1), ...end])[0]).toContain('expected 0')
  })

  it('flags thinking streamed inside a text block', () => {
    const thinking = ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'x' } })
    expect(validateAnthropicEvents([start, textStart(0), thinking, stop(0), ...end])[0]).toContain('thinking_delta inside a text block')
  })

  it('flags an input_json_delta inside a text block', () => {
    const json = ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } })
    expect(validateAnthropicEvents([start, textStart(0), json, stop(0), ...end])[0]).toContain('input_json_delta inside a text block')
  })

  it('flags tool input that is not valid JSON once its block closes', () => {
    const tool = ev({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } })
    const json = ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } })
    expect(validateAnthropicEvents([start, tool, json, stop(0), ...end])[0]).toContain('not valid JSON')
  })

  it('flags a stream that never ends and one that closes the message with a block open', () => {
    expect(validateAnthropicEvents([start, textStart(0), textDelta(0)])).toContain('the stream does not end with message_stop or error')
    expect(validateAnthropicEvents([start, textStart(0), ...end])[0]).toContain('while block 0 is open')
  })

  it('accepts an error event as the end of the stream', () => {
    const error = ev({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(validateAnthropicEvents([start, textStart(0), error])).toEqual([])
    expect(validateAnthropicEvents([error])).toEqual([])
  })
})
