import { describe, expect, it } from 'bun:test'
import * as wire from '../../../test/helpers/llm-wire'
import { createRandom, loadFixture, openAIWire, parseSSE, runTransform, splitRandomly, streamFixtures } from '../../../test/helpers/replay-stream'
import { finalResponse, validateResponsesEvents } from '../../../test/helpers/validate-responses-stream'
import { chatToResponsesResponse } from './chat-to-responses-response'
import { chatToResponsesChunks, createChatToResponsesStream } from './chat-to-responses-stream'

const FIXTURES = streamFixtures('openai')
const encoder = new TextEncoder()
const NAMESPACED = new Map([['crm__lookup', { namespace: 'crm', name: 'lookup' }]])

function transform(usages: unknown[] = []) {
  return createChatToResponsesStream({ model: 'qwen3-32b', echo: null, namespaced: NAMESPACED, inputTokens: 777, responseId: 'resp_test', createdAt: 1, onUsage: (u) => usages.push(u) })
}

/** The text with the ids the gateway invents replaced, so that two runs compare equal. */
const sameIds = (text: string) => text.replace(/\b(msg|rs|fc|call)_[A-Za-z0-9]{24}\b/g, '$1_ID')

async function replayWire(text: string, pieces?: Uint8Array[]) {
  const usages: unknown[] = []
  const out = await runTransform(transform(usages), pieces ?? [encoder.encode(text)])
  const events = await parseSSE(out)
  return { text: out, events, usages, response: finalResponse(events) }
}

const replay = (name: string) => replayWire(openAIWire(loadFixture(name)))

describe('createChatToResponsesStream', () => {
  it('turns every recorded Chat Completions stream into a valid Responses event sequence, whole or cut at random bytes', async () => {
    for (const name of FIXTURES) {
      const bytes = encoder.encode(openAIWire(loadFixture(name)))
      const whole = await replayWire('', [bytes])
      expect({ name, problems: validateResponsesEvents(whole.events) }).toEqual({ name, problems: [] })
      expect({ name, usages: whole.usages.length }).toEqual({ name, usages: 1 })
      const random = createRandom(name.length)
      for (let round = 0; round < 20; round++) {
        const split = await replayWire('', splitRandomly(bytes, random))
        expect({ name, round, text: sameIds(split.text) }).toEqual({ name, round, text: sameIds(whole.text) })
      }
    }
  })

  it('gives vLLM reasoning as a reasoning item, then the text, then the whole tool call, with the upstream usage', async () => {
    const { response, usages } = await replay('vllm-reasoning-tool-call.jsonl')
    expect(response!.status).toBe('completed')
    expect(response!.model).toBe('qwen3-32b')
    expect(response!.output.map((i: any) => i.type)).toEqual(['reasoning', 'message', 'function_call'])
    expect(response!.output[0].content).toEqual([{ type: 'reasoning_text', text: 'The user wants the weather in Paris. I should call get_weather.' }])
    expect(response!.output[1].content[0].text).toBe('\n\nLet me check.')
    expect(response!.output[2]).toMatchObject({ call_id: 'chatcmpl-tool-5e1f0c3b6f7a4f8d9a2b', name: 'get_weather', arguments: '{"location": "Paris", "unit": "celsius"}', status: 'completed' })
    expect(response!.usage).toMatchObject({ input_tokens: 845, output_tokens: 61 })
    expect(usages).toEqual([{ input_tokens: 845, output_tokens: 61 }])
  })

  it('ends a stream whose upstream reports an error with response.failed, keeping the text said so far', async () => {
    const { response, events } = await replay('openai-error-midstream.jsonl')
    expect(events.at(-1)!.event).toBe('response.failed')
    expect(response!.status).toBe('failed')
    expect(response!.error).toEqual({ code: 'server_error', message: 'The server had an error while processing your request.' })
    expect(response!.output[0]).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'Partial' }] })
  })

  it('completes a stream that ends cleanly without a finish reason with what it said, as Chat Completions clients read it', async () => {
    const { response } = await replay('truncated-no-finish.jsonl')
    expect(response!.status).toBe('completed')
    expect(response!.output.map((i: any) => [i.type, i.name ?? i.content?.[0]?.text])).toEqual([
      ['message', 'I was about to'],
      ['function_call', 'search'],
    ])
  })

  it('leaves out a tool call cut short when the upstream breaks, and ends with response.failed and the usage so far', async () => {
    const usages: unknown[] = []
    const t = chatToResponsesChunks({ model: 'm', echo: null, namespaced: null, inputTokens: 5, onUsage: (u) => usages.push(u) })
    const chunk = (delta: unknown) => encoder.encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`)
    const decode = (bytes: Uint8Array | null) => (bytes === null ? '' : new TextDecoder().decode(bytes))
    const cut = '{"cmd":"rm -rf /tm'
    let text = decode(t.push(chunk({ content: 'running it' })))
    text += decode(t.push(chunk({ tool_calls: [{ index: 0, id: 'call_cut', function: { name: 'exec_command', arguments: cut } }] })))
    // The backend's connection breaks here: the relay asks the transform to end the stream.
    text += decode(t.fail!('The backend stream was interrupted.'))
    const events = await parseSSE(text)
    expect(validateResponsesEvents(events)).toEqual([])
    const failed = finalResponse(events)!
    expect(failed.status).toBe('failed')
    expect(failed.error.message).toBe('The backend stream was interrupted.')
    expect(failed.output.map((i: any) => i.type)).toEqual(['message'])
    expect(text).not.toContain('rm -rf')
    // Two chunks carried output: OpenAI-format backends stream about one token a chunk.
    expect(usages).toEqual([{ input_tokens: 5, output_tokens: 2 }])
  })

  it('reports a finish for length as an incomplete response', async () => {
    const lines = loadFixture('openai-text.jsonl').map((l) => (typeof l === 'object' && l !== null && (l as any).choices?.[0]?.finish_reason ? { ...(l as any), choices: [{ ...(l as any).choices[0], finish_reason: 'length' }] } : l))
    const { response, events } = await replayWire(openAIWire(lines))
    expect(events.at(-1)!.event).toBe('response.incomplete')
    expect(response!.incomplete_details).toEqual({ reason: 'max_output_tokens' })
  })

  it('names calls of namespaced tools back as the client declared them', async () => {
    const reply = { id: 'chatcmpl-ns', model: 'm', toolCalls: [{ id: 'call_1', name: 'crm__lookup', arguments: ['{"id":', '7}'] }, { id: 'call_2', name: 'other__x', arguments: ['{}'] }] }
    const { response } = await replayWire(wire.openaiStream(reply, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, includeUsage: true }).join(''))
    expect(response!.output.map((i: any) => [i.namespace, i.name])).toEqual([
      ['crm', 'lookup'],
      [undefined, 'other__x'],
    ])
  })

  it('assembles the same output items streamed as not streamed', async () => {
    const reply = { id: 'chatcmpl-same', model: 'm', reasoning: ['Thinking', ' hard.'], text: ['Héllo "wörld"', ' \n👋'], toolCalls: [{ id: 'call_a', name: 'f', arguments: ['{"a"', ':1}'] }, { id: 'call_b', name: 'crm__lookup', arguments: ['{}'] }] }
    const usage = { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } }
    const streamed = (await replayWire(wire.openaiStream(reply, { usage, includeUsage: true }).join(''))).response!
    const whole = chatToResponsesResponse(wire.openaiCompletion(reply, { usage }), { model: 'qwen3-32b', echo: null, namespaced: NAMESPACED })
    const essence = (r: any) => ({ status: r.status, usage: r.usage, output: r.output.map(({ id: _id, ...item }: any) => item) })
    expect(essence(streamed)).toEqual(essence(whole))
    expect(essence(whole).usage).toEqual({ input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 39 })
  })
})
