// A client that disconnects just before the end of a stream is charged what it received: the
// upstream reports usage only at the end, so the gateway charges the input it knows and the output
// it delivered, estimated (about one token per OpenAI chunk, about four characters a token of
// Anthropic deltas). Each pair of client and backend format, against fake upstreams that speak the
// real wire formats and stream one token per delta.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SSEDecoder } from '../src/protocol/sse/sse-decoder'
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream'
import { json, listenTestGateway, testConfig, threeBackendFormats } from './helpers/gateway'
import * as wire from './helpers/llm-wire'
import { waitFor } from './helpers/wait-for'

const WORDS = 40
const RECEIVED_BEFORE_ABORT = 32
/** One token each, in both tokenizers' eyes: a space and four letters. */
const text = Array.from({ length: WORDS }, (_, i) => ` w${String(i).padStart(3, '0')}`)
const reply = { id: 'msg_long', model: 'm', text }

let up: FakeUpstream
let gw: ReturnType<typeof listenTestGateway>

beforeAll(() => {
  up = startFakeUpstream()
  gw = listenTestGateway(
    testConfig({
      backends: threeBackendFormats(up.url),
      models: { 'claude-long': { backend: 'claude' }, 'qwen-long': { backend: 'internal' }, 'gpt-long': { backend: 'native' } },
      tiers: { pro: { daily_requests: 100, daily_tokens: 1_000_000, models: ['*'] } },
      auth: { keys: ['aa', 'ao', 'oa', 'oo', 'ra', 'ro', 'rr', 'ae'].map((k) => ({ key: `sk-abort-${k}`, user: `user-${k}`, tier: 'pro' })) },
    }),
  )
})
afterAll(async () => {
  await gw.stop()
  await up.stop()
})

/** Content deltas of one event in the client's format. */
function isContentDelta(event: { event?: string; data: string }): boolean {
  if (event.event === 'content_block_delta' || event.event === 'response.output_text.delta') return true
  return event.event === undefined && /"delta":\{"content":" w\d/.test(event.data)
}

const cases = [
  { name: 'Anthropic client, Anthropic backend (passthrough)', key: 'sk-abort-aa', path: '/v1/messages', model: 'claude-long', upstream: 'anthropic' },
  { name: 'Anthropic client, OpenAI backend (translated)', key: 'sk-abort-ao', path: '/v1/messages', model: 'qwen-long', upstream: 'openai' },
  { name: 'OpenAI client, Anthropic backend (translated)', key: 'sk-abort-oa', path: '/v1/chat/completions', model: 'claude-long', upstream: 'anthropic' },
  { name: 'OpenAI client, OpenAI backend (passthrough)', key: 'sk-abort-oo', path: '/v1/chat/completions', model: 'qwen-long', upstream: 'openai' },
  { name: 'Responses client, Anthropic backend (translated)', key: 'sk-abort-ra', path: '/v1/responses', model: 'claude-long', upstream: 'anthropic' },
  { name: 'Responses client, OpenAI backend (translated)', key: 'sk-abort-ro', path: '/v1/responses', model: 'qwen-long', upstream: 'openai' },
  { name: 'Responses client, native Responses backend (passthrough)', key: 'sk-abort-rr', path: '/v1/responses', model: 'gpt-long', upstream: 'responses' },
] as const

function upstreamEvents(upstream: (typeof cases)[number]['upstream']): string[] {
  switch (upstream) {
    case 'anthropic':
      return wire.anthropicStream(reply, { usage: { input_tokens: 120, output_tokens: WORDS } })
    case 'openai':
      return wire.openaiStream(reply, { usage: { prompt_tokens: 120, completion_tokens: WORDS, total_tokens: 120 + WORDS }, includeUsage: true })
    case 'responses':
      return wire.responsesStream(reply, { usage: { input_tokens: 120, input_tokens_details: { cached_tokens: 0 }, output_tokens: WORDS, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 120 + WORDS } })
  }
}

function requestBody(path: string, model: string): Record<string, unknown> {
  if (path === '/v1/responses') return { model, max_output_tokens: 100, stream: true, input: 'count' }
  return { model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'count' }] }
}

describe('a stream the client aborts after most of its chunks (fake upstreams)', () => {
  for (const c of cases) {
    it(`is charged the tokens it delivered, within 10 %: ${c.name}`, async () => {
      up.script.push({ kind: 'raw-stream', events: upstreamEvents(c.upstream), delayMs: 15 })
      const abort = new AbortController()
      const res = await fetch(`${gw.url}${c.path}`, { ...json(requestBody(c.path, c.model), { 'x-api-key': c.key }), signal: abort.signal })
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      const decoder = new SSEDecoder()
      let received = 0
      while (received < RECEIVED_BEFORE_ABORT) {
        const { done, value } = await reader.read()
        if (done) throw new Error('the stream ended before the client aborted')
        for (const event of decoder.push(value)) if (isContentDelta(event)) received++
      }
      abort.abort()
      await reader.cancel().catch(() => {})

      let quota = { input_tokens: 0, output_tokens: 0 }
      const charged = await waitFor(async () => {
        quota = (await (await fetch(`${gw.url}/quota`, { headers: { 'x-api-key': c.key } })).json()) as typeof quota
        return quota.output_tokens > 1
      }, 3_000, 20)
      expect(charged).toBe(true)
      expect(Math.abs(quota.output_tokens - received)).toBeLessThanOrEqual(received * 0.1)
      expect(quota.input_tokens).toBeGreaterThan(0)
    })
  }
})

describe('a stream the fake Anthropic upstream ends with an error event mid-way', () => {
  it('is charged the output it delivered, not the one token message_start states (passthrough)', async () => {
    // Anthropic sends `event: error` after a 200 (an overload mid-answer) and closes the stream cleanly.
    const events = wire.anthropicStream(reply, { usage: { input_tokens: 120, output_tokens: WORDS } })
    const cut = events.slice(0, 2 + RECEIVED_BEFORE_ABORT)
    cut.push(wire.anthropicSSE(wire.anthropicError('overloaded_error', 'Overloaded')))
    up.script.push({ kind: 'raw-stream', events: cut })
    const key = 'sk-abort-ae'
    const res = await fetch(`${gw.url}/v1/messages`, json(requestBody('/v1/messages', 'claude-long'), { 'x-api-key': key }))
    expect(res.status).toBe(200)
    const decoder = new SSEDecoder()
    const received = [...decoder.push(new Uint8Array(await res.arrayBuffer())), ...decoder.end()]
    expect(received.filter(isContentDelta).length).toBe(RECEIVED_BEFORE_ABORT)
    expect(received.at(-1)?.event).toBe('error')
    let quota = { input_tokens: 0, output_tokens: 0 }
    await waitFor(async () => {
      quota = (await (await fetch(`${gw.url}/quota`, { headers: { 'x-api-key': key } })).json()) as typeof quota
      return quota.input_tokens > 0
    }, 3_000, 20)
    expect(Math.abs(quota.output_tokens - RECEIVED_BEFORE_ABORT)).toBeLessThanOrEqual(RECEIVED_BEFORE_ABORT * 0.1)
  })
})
