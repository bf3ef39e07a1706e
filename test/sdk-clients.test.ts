// The official npm SDKs (`openai`, `@anthropic-ai/sdk`) against the gateway listening on
// loopback, streaming and not, with fake upstreams speaking the real wire formats behind it.
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { FAKE_TEXT, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { listenTestGateway, testConfig } from './helpers/gateway'

let up: FakeUpstream
let gw: ReturnType<typeof listenTestGateway>
const KEY = 'sk-sdk-tests'

beforeAll(() => {
  up = startFakeUpstream()
  gw = listenTestGateway(
    testConfig({
      backends: {
        claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-secret' },
        internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-secret' },
      },
      models: { 'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B' }, 'claude-*': { backend: 'claude' } },
      tiers: { pro: { daily_requests: 100, models: ['*'] } },
      auth: { keys: [{ key: KEY, user: 'sdk', tier: 'pro' }] },
    }),
  )
})
afterAll(async () => {
  await gw.stop()
  await up.stop()
})

describe('@anthropic-ai/sdk against the gateway (fake Anthropic upstream)', () => {
  const client = () => new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 })

  it('creates a message', async () => {
    const message = await client().messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    expect(message.model).toBe('claude-opus-5-5')
    expect(message.content.map((b) => (b.type === 'text' ? b.text : b.type))).toEqual([FAKE_TEXT.join('')])
    expect(message.usage.output_tokens).toBe(5)
  })

  it('streams a message and assembles the same final message', async () => {
    const stream = client().messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    const deltas: string[] = []
    stream.on('text', (t) => deltas.push(t))
    const final = await stream.finalMessage()
    expect(deltas.join('')).toBe(FAKE_TEXT.join(''))
    expect(final.stop_reason).toBe('end_turn')
    expect(final.model).toBe('claude-opus-5-5')
  })

  it('raises the SDK error class for a refused key', async () => {
    const bad = new Anthropic({ apiKey: 'sk-wrong', baseURL: gw.url, maxRetries: 0 })
    const error = await bad.messages.create({ model: 'claude-opus-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(error.requestID).toMatch(/^req_/)
  })
})

describe('openai SDK against the gateway (fake OpenAI upstream)', () => {
  const client = () => new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 })

  it('creates a chat completion', async () => {
    const completion = await client().chat.completions.create({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.model).toBe('qwen3-32b')
    expect(completion.choices[0]!.message.content).toBe(FAKE_TEXT.join(''))
  })

  it('streams a chat completion', async () => {
    const stream = await client().chat.completions.create({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe(FAKE_TEXT.join(''))
    expect(finish).toBe('stop')
  })

  it('lists the models of the tier', async () => {
    const page = await client().models.list()
    expect(page.data.map((m) => m.id)).toContain('qwen3-32b')
  })

  it('raises the SDK error class for an unknown model', async () => {
    const error = await client().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
  })
})
