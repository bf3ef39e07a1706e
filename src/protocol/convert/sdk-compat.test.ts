// The official SDKs read the translated streams: each gets a fetch that answers with a recorded
// upstream piped through the converter, so the SDK's own parser and accumulator judge the output.
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'bun:test'
import OpenAI from 'openai'
import { anthropicWire, loadFixture, openAIWire } from '../../../test/helpers/replay-stream'
import { createAnthropicToOpenAIStream } from './create-anthropic-to-openai-stream'
import { createOpenAIToAnthropicStream } from './create-openai-to-anthropic-stream'

function sseResponse(wire: string, transform: TransformStream<Uint8Array, Uint8Array>): Response {
  const body = new Response(wire).body!.pipeThrough(transform)
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}

describe('official SDKs reading translated streams (recorded upstream streams)', () => {
  it('@anthropic-ai/sdk assembles a vLLM stream with reasoning and a tool call into the expected message', async () => {
    const wire = openAIWire(loadFixture('vllm-reasoning-tool-call.jsonl'))
    const client = new Anthropic({ apiKey: 'k', baseURL: 'http://gateway.test', fetch: async () => sseResponse(wire, createOpenAIToAnthropicStream({ model: 'qwen3-32b', inputTokens: 100 })) })
    const message = await client.messages.stream({ model: 'qwen3-32b', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] }).finalMessage()
    // toMatchObject: the SDK keeps private bookkeeping (a JSON buffer) on tool_use blocks.
    expect(message.content).toMatchObject([
      { type: 'thinking', thinking: 'The user wants the weather in Paris. I should call get_weather.', signature: '' },
      { type: 'text', text: '\n\nLet me check.' },
      { type: 'tool_use', id: 'chatcmpl-tool-5e1f0c3b6f7a4f8d9a2b', name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } },
    ])
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 845, output_tokens: 61 })
  })

  it('@anthropic-ai/sdk raises the translated upstream error', async () => {
    const wire = openAIWire(loadFixture('openai-error-midstream.jsonl'))
    const client = new Anthropic({ apiKey: 'k', baseURL: 'http://gateway.test', maxRetries: 0, fetch: async () => sseResponse(wire, createOpenAIToAnthropicStream({ model: 'm', inputTokens: 1 })) })
    const stream = client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
    await expect(stream.finalMessage()).rejects.toThrow('The server had an error while processing your request.')
  })

  it('openai SDK assembles an Anthropic stream with thinking and a tool call into the expected completion', async () => {
    const wire = anthropicWire(loadFixture('anthropic-thinking-tool-use.jsonl'))
    const client = new OpenAI({ apiKey: 'k', baseURL: 'http://gateway.test/v1', fetch: async () => sseResponse(wire, createAnthropicToOpenAIStream({ model: 'claude-3-haiku', includeUsage: true })) })
    const completion = await client.chat.completions
      .stream({ model: 'claude-3-haiku', messages: [{ role: 'user', content: 'weather?' }], stream_options: { include_usage: true } })
      .finalChatCompletion()
    const choice = completion.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBe('Let me check the weather.')
    expect(choice.message.tool_calls).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '{"location": "Paris"}' } }] as never)
    expect(completion.usage).toMatchObject({ prompt_tokens: 4015, completion_tokens: 89 })
  })
})
