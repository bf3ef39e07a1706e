// Seeded, bounded fuzzing of every converter: generated requests and upstream streams, well-formed
// and damaged. Requests may only fail with a GatewayError; streams must never throw and must always
// come out as a valid event sequence for the client's API. A failure prints its seed to replay it.
import { describe, expect, it } from 'bun:test'
import { allowGatewayError, anthropicRequest, chance, int, mutate, openAIRequest } from '../../../test/helpers/fuzz-generators'
import { anthropicEvents, damage, damageBytes, junkAnthropicEvent, junkOpenAILine, openAIChunks } from '../../../test/helpers/fuzz-streams'
import { anthropicWire, createRandom, openAIWire, parseSSE, runTransform, splitRandomly } from '../../../test/helpers/replay-stream'
import { validateAnthropicEvents } from '../../../test/helpers/validate-anthropic-stream'
import { validateChatCompletionsRequest } from '../../../test/helpers/validate-chat-completions-request'
import { validateOpenAIStream } from '../../../test/helpers/validate-openai-stream'
import { anthropicToOpenAIRequest } from './anthropic-to-openai-request'
import { anthropicToOpenAIResponse } from './anthropic-to-openai-response'
import { createAnthropicToOpenAIStream } from './create-anthropic-to-openai-stream'
import { createOpenAIToAnthropicStream } from './create-openai-to-anthropic-stream'
import { openAIToAnthropicRequest } from './openai-to-anthropic-request'
import { openAIToAnthropicResponse } from './openai-to-anthropic-response'
import { estimateAnthropicInputTokens } from '../tokens/estimate-anthropic-input-tokens'

const ITERATIONS = 1500
const STREAM_ITERATIONS = 1000

describe('converter fuzzing', () => {
  it('converts generated Anthropic requests into valid Chat Completions requests, and damaged ones without a stray throw', () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const r = createRandom(seed)
      const valid = anthropicRequest(r)
      const out = anthropicToOpenAIRequest(valid, { model: 'up', maxOutputTokens: 8192 })
      const problems = validateChatCompletionsRequest(out.body)
      if (problems.length > 0) expect({ seed, problems }).toEqual({ seed, problems: [] })
      const damaged = mutate(valid, r, int(r, 1, 6))
      allowGatewayError(seed, () => anthropicToOpenAIRequest(damaged, { model: 'up' }))
      allowGatewayError(seed, () => estimateAnthropicInputTokens(damaged))
    }
  })

  it('converts generated OpenAI requests into alternating Anthropic turns, and damaged ones without a stray throw', () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const r = createRandom(seed)
      const valid = openAIRequest(r)
      const out = openAIToAnthropicRequest(valid, { model: 'up', defaultMaxTokens: 4096, maxOutputTokens: 8192 })
      const messages = out.body.messages as Array<{ role: string; content: Array<{ type: string }> }>
      messages.forEach((m, i) => {
        if (i > 0 && messages[i - 1]!.role === m.role) throw new Error(`seed ${seed}: two ${m.role} messages in a row`)
        const firstOther = m.content.findIndex((b) => b.type !== 'tool_result')
        if (firstOther !== -1 && m.content.slice(firstOther).some((b) => b.type === 'tool_result')) throw new Error(`seed ${seed}: tool_result after other content`)
        if (m.content.length === 0) throw new Error(`seed ${seed}: empty message`)
      })
      const damaged = mutate(valid, r, int(r, 1, 6))
      allowGatewayError(seed, () => openAIToAnthropicRequest(damaged, { model: 'up', defaultMaxTokens: 4096 }))
    }
  })

  it('converts random and damaged response bodies without a stray throw', () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const r = createRandom(seed)
      const completion = { id: 'chatcmpl-1', choices: [{ index: 0, message: { content: 'x', reasoning: 'r', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1 } }
      const message = { id: 'msg_1', content: [{ type: 'text', text: 'x' }, { type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } }
      const anthropic = allowGatewayError(seed, () => openAIToAnthropicResponse(mutate(completion, r, int(r, 1, 5)), { model: 'm' })) as Record<string, unknown> | undefined
      const openai = allowGatewayError(seed, () => anthropicToOpenAIResponse(mutate(message, r, int(r, 1, 5)), { model: 'm' })) as Record<string, unknown> | undefined
      // Whatever they were given, what comes out has the shape a client reads.
      if (anthropic !== undefined) expect({ seed, type: anthropic.type, content: Array.isArray(anthropic.content) }).toEqual({ seed, type: 'message', content: true })
      if (openai !== undefined) expect({ seed, object: openai.object, choices: Array.isArray(openai.choices) }).toEqual({ seed, object: 'chat.completion', choices: true })
    }
  })

  it('always turns an OpenAI upstream stream, whole or damaged, into a valid Anthropic event sequence', async () => {
    for (let seed = 1; seed <= STREAM_ITERATIONS; seed++) {
      const r = createRandom(seed)
      const lines = chance(r, 0.5) ? damage(r, openAIChunks(r), () => junkOpenAILine(r)) : openAIChunks(r)
      const bytes = damageBytes(r, openAIWire(lines))
      let usageCalls = 0
      const stream = createOpenAIToAnthropicStream({ model: 'm', inputTokens: 10, onUsage: () => usageCalls++ })
      const text = await runTransform(stream, splitRandomly(bytes, r))
      const problems = validateAnthropicEvents(await parseSSE(text))
      if (problems.length > 0 || usageCalls !== 1) expect({ seed, problems, usageCalls, text }).toEqual({ seed, problems: [], usageCalls: 1, text })
    }
  })

  it('always turns an Anthropic upstream stream, whole or damaged, into a valid Chat Completions stream', async () => {
    for (let seed = 1; seed <= STREAM_ITERATIONS; seed++) {
      const r = createRandom(seed)
      const events = chance(r, 0.5) ? damage(r, anthropicEvents(r), () => junkAnthropicEvent(r)) : anthropicEvents(r)
      const wire = anthropicWire(events.map((e) => (typeof e === 'object' && e !== null ? e : { type: 'junk' })))
      const bytes = damageBytes(r, wire)
      let usageCalls = 0
      const stream = createAnthropicToOpenAIStream({ model: 'm', includeUsage: chance(r, 0.5), onUsage: () => usageCalls++ })
      const text = await runTransform(stream, splitRandomly(bytes, r))
      const problems = validateOpenAIStream(text)
      if (problems.length > 0 || usageCalls !== 1) expect({ seed, problems, usageCalls, text }).toEqual({ seed, problems: [], usageCalls: 1, text })
    }
  })
})
