// Seeded, bounded fuzzing of the Responses translations: generated requests (as Codex and the SDKs
// send them) must become valid Chat Completions and Messages requests, damaged ones may only be
// refused with a GatewayError (a 400, never a 500); generated and damaged upstream streams must
// always come out as a valid Responses event sequence, with the usage reported once.
import { describe, expect, it } from 'bun:test'
import { allowGatewayError as allowed, chance, mutate, int, responsesRequest } from '../../../test/helpers/fuzz-generators'
import { anthropicEvents, damage, damageBytes, junkAnthropicEvent, junkOpenAILine, openAIChunks } from '../../../test/helpers/fuzz-streams'
import { anthropicWire, createRandom, openAIWire, parseSSE, runTransform, splitRandomly } from '../../../test/helpers/replay-stream'
import { validateAnthropicRequest } from '../../../test/helpers/validate-anthropic-request'
import { validateChatCompletionsRequest } from '../../../test/helpers/validate-chat-completions-request'
import { validateResponsesEvents } from '../../../test/helpers/validate-responses-stream'
import { GatewayError } from '../../errors/gateway-error'
import { anthropicToResponsesResponse } from './anthropic-to-responses-response'
import { createAnthropicToResponsesStream } from './anthropic-to-responses-stream'
import { chatToResponsesResponse } from './chat-to-responses-response'
import { createChatToResponsesStream } from './chat-to-responses-stream'
import { responsesToAnthropicRequest } from './responses-to-anthropic-request'
import { responsesToChatRequest } from './responses-to-chat-request'

const ITERATIONS = 1500
const STREAM_ITERATIONS = 800
/** Request translation may refuse with a 400, never fail any other way. */
const allowGatewayError = <T>(seed: number, fn: () => T) => allowed(seed, fn, 400)

describe('Responses translation fuzzing', () => {
  it('turns generated Responses requests into valid Chat Completions and Messages requests, and damaged ones into a 400 at worst', () => {
    let translated = 0
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const r = createRandom(seed)
      const valid = responsesRequest(r)
      const chat = allowGatewayError(seed, () => responsesToChatRequest(valid, { model: 'up', maxOutputTokens: 8192, target: 'chat' }))
      if (chat) {
        translated++
        const problems = validateChatCompletionsRequest(chat.body)
        if (problems.length > 0) expect({ seed, problems }).toEqual({ seed, problems: [] })
      }
      const anthropic = allowGatewayError(seed, () => responsesToAnthropicRequest(valid, { model: 'up', defaultMaxTokens: 4096, maxOutputTokens: 8192 }))
      if (anthropic) {
        const problems = validateAnthropicRequest(anthropic.body)
        if (problems.length > 0) expect({ seed, problems, body: anthropic.body }).toEqual({ seed, problems: [], body: anthropic.body })
      }
      const damaged = mutate(valid, r, int(r, 1, 6))
      allowGatewayError(seed, () => responsesToChatRequest(damaged, { model: 'up', target: 'chat' }))
      allowGatewayError(seed, () => responsesToAnthropicRequest(damaged, { model: 'up', defaultMaxTokens: 4096 }))
    }
    // Only the generated tool_choice "required" with every tool dropped is refused: most translate.
    expect(translated).toBeGreaterThan(ITERATIONS * 0.8)
  })

  it('converts damaged answers into a response or a 502, never a stray throw', () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const r = createRandom(seed)
      const completion = { id: 'chatcmpl-1', choices: [{ index: 0, message: { content: 'x', reasoning: 'r', tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1 } }
      const message = { id: 'msg_1', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'text', text: 'x' }, { type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } }
      for (const convert of [() => chatToResponsesResponse(mutate(completion, r, int(r, 1, 5)), { model: 'm', echo: null, namespaced: null }), () => anthropicToResponsesResponse(mutate(message, r, int(r, 1, 5)), { model: 'm', echo: null, namespaced: null })]) {
        try {
          const out = convert()
          expect({ seed, object: out.object, output: Array.isArray(out.output) }).toEqual({ seed, object: 'response', output: true })
        } catch (e) {
          if (!(e instanceof GatewayError && e.status === 502)) throw new Error(`seed ${seed}: ${String(e)}`)
        }
      }
    }
  })

  it('always turns a Chat Completions upstream stream, whole or damaged, into a valid Responses event sequence', async () => {
    for (let seed = 1; seed <= STREAM_ITERATIONS; seed++) {
      const r = createRandom(seed)
      const lines = chance(r, 0.5) ? damage(r, openAIChunks(r), () => junkOpenAILine(r)) : openAIChunks(r)
      const bytes = damageBytes(r, openAIWire(lines))
      let usageCalls = 0
      const stream = createChatToResponsesStream({ model: 'm', echo: null, namespaced: null, inputTokens: 10, onUsage: () => usageCalls++ })
      const text = await runTransform(stream, splitRandomly(bytes, r))
      const problems = validateResponsesEvents(await parseSSE(text))
      if (problems.length > 0 || usageCalls !== 1) expect({ seed, problems, usageCalls, text }).toEqual({ seed, problems: [], usageCalls: 1, text })
    }
  })

  it('always turns an Anthropic upstream stream, whole or damaged, into a valid Responses event sequence', async () => {
    for (let seed = 1; seed <= STREAM_ITERATIONS; seed++) {
      const r = createRandom(seed)
      const events = chance(r, 0.5) ? damage(r, anthropicEvents(r), () => junkAnthropicEvent(r)) : anthropicEvents(r)
      const wire = anthropicWire(events.map((e) => (typeof e === 'object' && e !== null ? e : { type: 'junk' })))
      let usageCalls = 0
      const stream = createAnthropicToResponsesStream({ model: 'm', echo: null, namespaced: null, onUsage: () => usageCalls++ })
      const text = await runTransform(stream, splitRandomly(damageBytes(r, wire), r))
      const problems = validateResponsesEvents(await parseSSE(text))
      if (problems.length > 0 || usageCalls !== 1) expect({ seed, problems, usageCalls, text }).toEqual({ seed, problems: [], usageCalls: 1, text })
    }
  })
})
