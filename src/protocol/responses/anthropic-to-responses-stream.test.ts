import { describe, expect, it } from 'bun:test'
import * as wire from '../../../test/helpers/llm-wire'
import { anthropicWire, createRandom, loadFixture, parseSSE, runTransform, splitRandomly, streamFixtures } from '../../../test/helpers/replay-stream'
import { finalResponse, validateResponsesEvents } from '../../../test/helpers/validate-responses-stream'
import { anthropicToResponsesResponse } from './anthropic-to-responses-response'
import { anthropicToResponsesChunks, createAnthropicToResponsesStream } from './anthropic-to-responses-stream'

const FIXTURES = streamFixtures('anthropic')
const encoder = new TextEncoder()
const sameIds = (text: string) => text.replace(/\b(msg|rs|fc|resp)_[A-Za-z0-9]{24}\b/g, '$1_ID')

async function replayBytes(pieces: Uint8Array[]) {
  const usages: unknown[] = []
  const out = await runTransform(createAnthropicToResponsesStream({ model: 'claude-public', echo: null, namespaced: null, responseId: 'resp_test', createdAt: 1, onUsage: (u) => usages.push(u) }), pieces)
  const events = await parseSSE(out)
  return { text: out, events, usages, response: finalResponse(events) }
}

const replay = (name: string) => replayBytes([encoder.encode(anthropicWire(loadFixture(name)))])

describe('createAnthropicToResponsesStream', () => {
  it('turns every recorded Anthropic stream into a valid Responses event sequence, whole or cut at random bytes', async () => {
    for (const name of FIXTURES) {
      const bytes = encoder.encode(anthropicWire(loadFixture(name)))
      const whole = await replayBytes([bytes])
      expect({ name, problems: validateResponsesEvents(whole.events) }).toEqual({ name, problems: [] })
      expect({ name, usages: whole.usages.length }).toEqual({ name, usages: 1 })
      const random = createRandom(name.length * 31)
      for (let round = 0; round < 20; round++) {
        const split = await replayBytes(splitRandomly(bytes, random))
        expect({ name, round, text: sameIds(split.text) }).toEqual({ name, round, text: sameIds(whole.text) })
      }
    }
  })

  it('gives thinking as a reasoning item carrying its signature, then text and the whole tool call, with cache tokens as input', async () => {
    const { response, usages } = await replay('anthropic-thinking-tool-use.jsonl')
    expect(response!.status).toBe('completed')
    expect(response!.output.map((i: any) => i.type)).toEqual(['reasoning', 'message', 'function_call'])
    expect(response!.output[0]).toMatchObject({ content: [{ type: 'reasoning_text', text: 'I need to find the weather in Paris. Call get_weather.' }], encrypted_content: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' })
    expect(response!.output[2]).toMatchObject({ call_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "Paris"}' })
    // 2095 uncached + 1800 cache reads + 120 cache writes
    expect(response!.usage).toMatchObject({ input_tokens: 4015, input_tokens_details: { cached_tokens: 1800 }, output_tokens: 89 })
    expect(usages).toEqual([{ input_tokens: 4015, output_tokens: 89, cache_read_tokens: 1800, cache_creation_tokens: 120 }])
  })

  it('reports max_tokens as an incomplete response', async () => {
    const { response, events } = await replay('anthropic-max-tokens.jsonl')
    expect(events.at(-1)!.event).toBe('response.incomplete')
    expect(response!.incomplete_details).toEqual({ reason: 'max_output_tokens' })
  })

  it('ends with response.failed on an error event, and on a stream that stops before message_stop', async () => {
    for (const name of ['anthropic-error-midstream.jsonl', 'anthropic-truncated.jsonl']) {
      const { response, events } = await replay(name)
      expect({ name, last: events.at(-1)!.event, status: response!.status }).toEqual({ name, last: 'response.failed', status: 'failed' })
      expect(response!.error.message.length).toBeGreaterThan(0)
    }
  })

  it('leaves out a tool_use whose input was cut short when the upstream breaks', async () => {
    const t = anthropicToResponsesChunks({ model: 'm', echo: null, namespaced: null })
    const ev = (data: Record<string, unknown>) => encoder.encode(wire.anthropicSSE(data as { type: string }))
    const decode = (bytes: Uint8Array | null) => (bytes === null ? '' : new TextDecoder().decode(bytes))
    let text = decode(t.push(ev({ type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 3, output_tokens: 1 } } })))
    text += decode(t.push(ev({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_cut', name: 'exec_command', input: {} } })))
    text += decode(t.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"cmd":"rm -rf /tm' } })))
    text += decode(t.fail!('The backend stream was interrupted.'))
    const events = await parseSSE(text)
    expect(validateResponsesEvents(events)).toEqual([])
    expect(finalResponse(events)!.status).toBe('failed')
    expect(text).not.toContain('rm -rf')
  })

  it('assembles the same output items streamed as not streamed', async () => {
    const reply = { id: 'msg_same', model: 'm', reasoning: ['Think', 'ing.'], text: ['Héllo "wörld"', ' 👋'], toolCalls: [{ id: 'toolu_a', name: 'f', arguments: ['{"a"', ':1}'] }, { id: 'toolu_b', name: 'g', arguments: ['{}'] }] }
    const usage = { input_tokens: 20, output_tokens: 9, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 }
    const streamed = (await replayBytes([encoder.encode(wire.anthropicStream(reply, { usage, signature: 'sig_1', ping: true, unknownEvent: true }).join(''))])).response!
    const whole = anthropicToResponsesResponse(wire.anthropicMessage(reply, { usage, signature: 'sig_1' }), { model: 'claude-public', echo: null, namespaced: null })
    const essence = (r: any) => ({ status: r.status, usage: r.usage, output: r.output.map(({ id: _id, ...item }: any) => item) })
    expect(essence(streamed)).toEqual(essence(whole))
    expect(whole.output).toHaveLength(4)
  })
})
