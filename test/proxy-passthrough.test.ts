// Same-format proxying through the real app, against fake upstreams that speak the real Anthropic
// and OpenAI wire formats: bodies and events arrive unchanged apart from `model`, credentials are
// swapped, anthropic-* headers pass, streams are relayed as they come.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { buildTestApp, json, listenTestGateway, testConfig } from './helpers/gateway'
import { FAKE_TEXT, anthropicEvents, openaiEvents, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { parseSSEText, readSSE, readRest } from './helpers/read-sse'

let up: FakeUpstream
let gw: ReturnType<typeof buildTestApp>
const CLIENT_KEY = 'sk-client-enterprise-key'

beforeAll(() => {
  up = startFakeUpstream()
  gw = buildTestApp(
    testConfig({
      backends: {
        claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-claude-secret' },
        internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-internal-secret' },
      },
      models: {
        'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B' },
        'claude-3-haiku': { backend: 'claude', upstream_model: 'claude-3-haiku-20240307' },
        'claude-*': { backend: 'claude' },
      },
      tiers: { enterprise: { daily_requests: null, models: ['*'] } },
      auth: { keys: [{ key: CLIENT_KEY, user: 'erin', tier: 'enterprise' }] },
    }),
  )
})
afterAll(async () => {
  await gw.close()
  await up.stop()
})

const anthropicRequest = {
  model: 'claude-3-haiku',
  max_tokens: 256,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'brand_new_block', payload: [1, 2] }] }],
  context_management: { edits: [] },
  output_config: { effort: 'high' },
  a_field_from_the_future: { nested: true },
}

describe('Anthropic Messages passthrough (fake Anthropic upstream)', () => {
  it('forwards the body unchanged apart from model, with the backend key and anthropic headers', async () => {
    const res = await gw.handle('/v1/messages?beta=true', json(anthropicRequest, { 'x-api-key': CLIENT_KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14,context-1m', 'x-app': 'cli' }))
    expect(res.status).toBe(200)
    const got = up.received.at(-1)!
    expect(got.path).toBe('/v1/messages')
    expect(got.search).toBe('?beta=true')
    expect(got.body).toEqual({ ...anthropicRequest, model: 'claude-3-haiku-20240307' })
    expect(got.headers.get('x-api-key')).toBe('upstream-claude-secret')
    expect(got.headers.get('authorization')).toBeNull()
    expect(got.headers.get('anthropic-version')).toBe('2023-06-01')
    expect(got.headers.get('anthropic-beta')).toBe('interleaved-thinking-2025-05-14,context-1m')
    expect([...got.headers.values()].join(' ')).not.toContain(CLIENT_KEY)

    const body = (await res.json()) as Record<string, unknown>
    expect(body.model).toBe('claude-3-haiku')
    expect(body.unknown_future_field).toEqual({ kept: true })
    expect(body.content).toEqual([{ type: 'text', text: FAKE_TEXT.join('') }])
    expect(res.headers.get('x-gateway-routed-model')).toBe('claude-3-haiku')
    expect(res.headers.get('request-id')).toMatch(/^req_/)
  })

  it('sends an answer that already carries the public model name on byte for byte, and rewrites it under another name', async () => {
    // Pretty-printed, a key order of its own, a number written as 1.0: all of it kept as it came.
    const exact = `{\n  "model": "claude-sonnet-4-5",\n  "id": "msg_exact",\n  "type": "message",\n  "role": "assistant",\n  "content": [{"type": "text", "text": "caf\\u00e9"}],\n  "temperature_used": 1.0,\n  "stop_reason": "end_turn",\n  "usage": {"input_tokens": 7, "output_tokens": 3}\n}`
    up.script.push({ kind: 'status', status: 200, body: exact })
    const res = await gw.handle('/v1/messages', json({ ...anthropicRequest, model: 'claude-sonnet-4-5' }, { 'x-api-key': CLIENT_KEY }))
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(exact)
    // The same answer under another model name is rewritten (and so re-serialised).
    up.script.push({ kind: 'status', status: 200, body: exact })
    const renamed = await gw.handle('/v1/messages', json(anthropicRequest, { 'x-api-key': CLIENT_KEY }))
    const body = (await renamed.json()) as Record<string, unknown>
    expect(body.model).toBe('claude-3-haiku')
    expect(body.content).toEqual([{ type: 'text', text: 'café' }])
    // A duplicate "model" key (the parse keeps the last) never carries the upstream's name out.
    up.script.push({ kind: 'status', status: 200, body: '{"model":"internal-name-7b","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":1}}' })
    const dup = await gw.handle('/v1/messages', json({ ...anthropicRequest, model: 'claude-sonnet-4-5' }, { 'x-api-key': CLIENT_KEY }))
    const dupText = await dup.text()
    expect(dupText).not.toContain('internal-name-7b')
    expect(JSON.parse(dupText).model).toBe('claude-sonnet-4-5')
  })

  it('relays a stream event by event, unchanged apart from model in message_start', async () => {
    const res = await gw.handle('/v1/messages', json({ ...anthropicRequest, stream: true }, { authorization: `Bearer ${CLIENT_KEY}` }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const events = await readSSE(res)
    const expected = parseSSEText(anthropicEvents('claude-3-haiku-20240307').join(''))
    expect(events.length).toBe(expected.length)
    events.forEach((e, i) => {
      expect(e.event).toBe(expected[i]!.event)
      if (e.event === 'message_start') {
        const data = JSON.parse(e.data)
        expect(data.message.model).toBe('claude-3-haiku')
        expect({ ...data, message: { ...data.message, model: 'x' } }).toEqual({ ...JSON.parse(expected[i]!.data), message: { ...JSON.parse(expected[i]!.data).message, model: 'x' } })
      } else {
        expect(JSON.parse(e.data)).toEqual(JSON.parse(expected[i]!.data))
      }
    })
    expect(events.some((e) => e.event === 'future_event_type')).toBe(true)
  })

  it('forwards count_tokens to the Anthropic backend and does not count it against quota', async () => {
    const before = (await (await gw.handle('/quota', { headers: { 'x-api-key': CLIENT_KEY } })).json()) as { used: number }
    const res = await gw.handle('/v1/messages/count_tokens', json({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': CLIENT_KEY }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ input_tokens: 42 })
    expect(up.received.at(-1)!.path).toBe('/v1/messages/count_tokens')
    const after = (await (await gw.handle('/quota', { headers: { 'x-api-key': CLIENT_KEY } })).json()) as { used: number }
    expect(after.used).toBe(before.used)
  })

  it('estimates count_tokens itself for a model on an OpenAI-format backend, and says so', async () => {
    const before = up.received.length
    const short = await gw.handle('/v1/messages/count_tokens', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': CLIENT_KEY }))
    const long = await gw.handle('/v1/messages/count_tokens', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'word '.repeat(500) }] }, { 'x-api-key': CLIENT_KEY }))
    expect(short.headers.get('x-gateway-token-count')).toBe('estimate')
    const a = ((await short.json()) as { input_tokens: number }).input_tokens
    const b = ((await long.json()) as { input_tokens: number }).input_tokens
    expect(a).toBeGreaterThan(0)
    expect(b).toBeGreaterThan(a + 400)
    expect(up.received.length).toBe(before)
  })

  it("sends a slow stream's first events before the upstream has finished", async () => {
    up.script.push({ kind: 'slow-stream', delayMs: 80 })
    const res = await gw.handle('/v1/messages', json({ ...anthropicRequest, stream: true }, { 'x-api-key': CLIENT_KEY }))
    const reader = res.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain('message_start')
    expect(first).not.toContain('message_stop')
    const rest = await readRest(reader)
    expect(rest).toContain('message_stop')
  })
})

describe('a client that goes away (over real HTTP, fake upstream)', () => {
  let server: ReturnType<typeof listenTestGateway>
  beforeAll(() => {
    server = listenTestGateway(
      testConfig({
        backends: { claude: { format: 'anthropic', base_url: up.url } },
        models: { 'claude-*': { backend: 'claude' } },
        tiers: { enterprise: { daily_requests: null, models: ['*'] } },
        auth: { keys: [{ key: CLIENT_KEY, user: 'erin', tier: 'enterprise' }] },
      }),
    )
  })
  afterAll(() => server.stop())

  async function waitForCancel(before: number) {
    for (let i = 0; i < 100 && up.cancelled === before; i++) await Bun.sleep(20)
    return up.cancelled - before
  }

  it('cancels the upstream stream when the client disconnects mid-stream', async () => {
    const before = up.cancelled
    up.script.push({ kind: 'slow-stream', delayMs: 200 })
    const controller = new AbortController()
    const res = await fetch(`${server.url}/v1/messages`, { ...json({ ...anthropicRequest, stream: true }, { 'x-api-key': CLIENT_KEY }), signal: controller.signal })
    await res.body!.getReader().read()
    controller.abort()
    expect(await waitForCancel(before)).toBe(1)
  })

  it('aborts the upstream request when the client disconnects before the answer', async () => {
    const before = up.cancelled
    const seen = up.received.length
    up.script.push({ kind: 'hang' })
    const controller = new AbortController()
    const pending = fetch(`${server.url}/v1/messages`, { ...json(anthropicRequest, { 'x-api-key': CLIENT_KEY }), signal: controller.signal }).catch(() => null)
    for (let i = 0; i < 200 && up.received.length === seen; i++) await Bun.sleep(10)
    expect(up.received.length).toBe(seen + 1)
    controller.abort()
    await pending
    expect(await waitForCancel(before)).toBe(1)
  })
})

describe('OpenAI Chat Completions passthrough (fake OpenAI-compatible upstream)', () => {
  const chat = { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, logit_bias: { '50256': -100 }, vendor_extension: { top_k: 20 } }

  it('forwards the body unchanged apart from model, with the backend bearer key', async () => {
    const res = await gw.handle('/v1/chat/completions', json(chat, { authorization: `Bearer ${CLIENT_KEY}` }))
    expect(res.status).toBe(200)
    const got = up.received.at(-1)!
    expect(got.path).toBe('/v1/chat/completions')
    expect(got.body).toEqual({ ...chat, model: 'Qwen/Qwen3-32B' })
    expect(got.headers.get('authorization')).toBe('Bearer upstream-internal-secret')
    expect(got.headers.get('x-api-key')).toBeNull()
    const body = (await res.json()) as Record<string, any>
    expect(body.model).toBe('qwen3-32b')
    expect(body.system_fingerprint).toBe('fp_fake')
    expect(body.choices[0].message.content).toBe(FAKE_TEXT.join(''))
  })

  it('relays a stream with model rewritten in every chunk and hides the usage chunk it asked for', async () => {
    const res = await gw.handle('/v1/chat/completions', json({ ...chat, stream: true }, { 'x-api-key': CLIENT_KEY }))
    expect(res.status).toBe(200)
    expect((up.received.at(-1)!.body.stream_options as { include_usage: boolean }).include_usage).toBe(true)
    const events = await readSSE(res)
    expect(events.at(-1)!.data).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data))
    expect(chunks.every((c) => c.model === 'qwen3-32b')).toBe(true)
    expect(chunks.every((c) => c.choices.length > 0 && !('usage' in c))).toBe(true)
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(FAKE_TEXT.join(''))
    const quota = (await (await gw.handle('/quota', { headers: { 'x-api-key': CLIENT_KEY } })).json()) as { output_tokens: number }
    expect(quota.output_tokens).toBeGreaterThanOrEqual(5)
  })

  it('passes the usage chunk through when the client asked for it', async () => {
    const res = await gw.handle('/v1/chat/completions', json({ ...chat, stream: true, stream_options: { include_usage: true } }, { 'x-api-key': CLIENT_KEY }))
    const events = await readSSE(res)
    const expected = parseSSEText(openaiEvents('Qwen/Qwen3-32B', true).join(''))
    expect(events.length).toBe(expected.length)
    const usageChunk = JSON.parse(events.at(-2)!.data)
    expect(usageChunk.choices).toEqual([])
    expect(usageChunk.usage).toEqual({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 })
  })
})
