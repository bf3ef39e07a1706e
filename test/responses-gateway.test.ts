// POST /v1/responses through the whole gateway (auth, body checks, tiers, routing, quota, metrics,
// translation or native passthrough), against the scripted fake upstream speaking the real wire
// formats: Chat Completions and Messages for translated backends, the Responses API itself for a
// backend configured `responses: native`. Bad input is answered 400 in OpenAI's shape with nothing
// sent upstream and nothing counted.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startCuttingUpstream } from './helpers/fake-upstream'
import { startScriptedUpstream, SCRIPT, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { parseSSEText } from './helpers/read-sse'
import { finalResponse, validateResponsesEvents } from './helpers/validate-responses-stream'

const KEY = 'sk-responses-pro'
const FREE_KEY = 'sk-responses-free'
let up: ScriptedUpstream
let gw: ReturnType<typeof buildTestApp>

beforeAll(() => {
  up = startScriptedUpstream()
  gw = buildTestApp(
    testConfig({
      backends: {
        internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-internal-secret' },
        claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-claude-secret' },
        openai: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-openai-secret', responses: 'native' },
      },
      models: {
        'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B', max_output_tokens: 8192 },
        'claude-*': { backend: 'claude' },
        'gpt-*': { backend: 'openai', upstream_model: 'gpt-5-codex-upstream' },
      },
      tiers: {
        free: { daily_requests: 10, models: ['qwen3-32b'], routes: { 'gpt-*': 'qwen3-32b', 'claude-*': 'qwen3-32b' } },
        pro: { daily_requests: 1000, models: ['*'] },
      },
      auth: { keys: [{ key: KEY, user: 'rita', tier: 'pro' }, { key: FREE_KEY, user: 'fred', tier: 'free' }] },
    }),
  )
})
afterAll(async () => {
  await gw.close()
  await up.stop()
})

const WEATHER_TOOL = { type: 'function', name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }
const post = (body: unknown, key = KEY, path = '/v1/responses') => gw.handle(path, json(body, { authorization: `Bearer ${key}` }))
const used = async (key = KEY) => ((await (await gw.handle('/quota', { headers: { 'x-api-key': key } })).json()) as { used: number }).used

describe('POST /v1/responses on translated backends', () => {
  it('answers a non-streamed request on a Chat Completions backend with a response object, counted and with the routed model', async () => {
    const from = up.received.length
    const before = await used()
    const res = await post({ model: 'qwen3-32b', input: 'What is the weather in Paris and Tokyo?', tools: [WEATHER_TOOL], store: false })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-routed-model')).toBe('qwen3-32b')
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('1000')
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'qwen3-32b' })
    expect(body.output.map((i: any) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call'])
    expect(body.output.slice(2).map((i: any) => [i.call_id, JSON.parse(i.arguments).city])).toEqual([
      ['call_weather_paris', 'Paris'],
      ['call_weather_tokyo', 'Tokyo'],
    ])
    expect(body.usage).toMatchObject({ input_tokens: 1200, output_tokens: 57 })
    const seen = up.received.slice(from)
    expect(seen.map((r) => [r.path, r.problems])).toEqual([['/v1/chat/completions', []]])
    expect(seen[0]!.body.model).toBe('Qwen/Qwen3-32B')
    expect(await used()).toBe(before + 1)
    expect(gw.metrics.requests.get({ tier: 'pro', endpoint: 'responses', status: '200' })).toBeGreaterThan(0)
  })

  it('streams a valid Responses event sequence from an Anthropic backend, rate-limit headers first', async () => {
    const from = up.received.length
    const res = await post({ model: 'claude-sonnet-4-5', input: [{ role: 'user', content: 'hello there' }], stream: true })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    expect(res.headers.get('x-ratelimit-remaining-requests')).not.toBeNull()
    const events = parseSSEText(await res.text())
    expect(validateResponsesEvents(events)).toEqual([])
    const response = finalResponse(events)!
    expect(response.model).toBe('claude-sonnet-4-5')
    expect(response.output.map((i: any) => i.type)).toEqual(['reasoning', 'message'])
    expect(response.output[1].content[0].text).toBe(SCRIPT.plainText)
    // The thinking block's signature travels as the reasoning item's encrypted_content.
    expect(response.output[0].encrypted_content).toBe('sig_scripted_01')
    expect(up.received.slice(from).map((r) => [r.path, r.problems])).toEqual([['/v1/messages', []]])
  })

  it('serves the doubled prefix /v1/v1/responses the same way', async () => {
    const res = await post({ model: 'qwen3-32b', input: 'hi' }, KEY, '/v1/v1/responses')
    expect(res.status).toBe(200)
    expect(((await res.json()) as { object: string }).object).toBe('response')
  })

  it('routes a free-tier user per the tier table and refuses the eleventh request with a 429 in OpenAI shape and the rate-limit headers', async () => {
    const from = up.received.length
    for (let i = 0; i < 10; i++) {
      const res = await post({ model: 'gpt-5-codex', input: `request ${i}`, stream: i % 2 === 0 }, FREE_KEY)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-routed-model')).toBe('qwen3-32b')
      await res.text()
    }
    expect(up.received.slice(from).every((r) => r.path === '/v1/chat/completions' && r.body.model === 'Qwen/Qwen3-32B')).toBe(true)
    const refused = await post({ model: 'gpt-5-codex', input: 'one more', stream: true }, FREE_KEY)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('10')
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(h\d+m)?(\d+m)?\d*s$/)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = (await refused.json()) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'daily_quota_exceeded', param: null })
    expect(up.received.length).toBe(from + 10)
  })
})

describe('POST /v1/responses on a backend that serves the Responses API itself (responses: native)', () => {
  it('sends the request as it came with only the model set, and answers with only the model renamed', async () => {
    const from = up.received.length
    const request = {
      model: 'gpt-5-codex',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Paris and Tokyo?' }] }],
      tools: [WEATHER_TOOL, { type: 'web_search' }],
      previous_response_id: 'resp_earlier',
      include: ['reasoning.encrypted_content', 'web_search_call.action.sources'],
      store: true,
      reasoning: { effort: 'high', summary: 'auto' },
    }
    const res = await post(request)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body.model).toBe('gpt-5-codex')
    expect(body.output.map((i: any) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call'])
    expect(body.output[0].encrypted_content).toBe('enc_scripted_01')
    const seen = up.received.slice(from)
    expect(seen.map((r) => [r.path, r.problems])).toEqual([['/v1/responses', []]])
    expect(seen[0]!.body).toEqual({ ...request, model: 'gpt-5-codex-upstream' })
  })

  it('relays the stream with the model renamed and counts its usage', async () => {
    const res = await post({ model: 'gpt-5-codex', input: 'hi', stream: true })
    const text = await res.text()
    const events = parseSSEText(text)
    expect(validateResponsesEvents(events)).toEqual([])
    expect(finalResponse(events)!.model).toBe('gpt-5-codex')
    expect(text).not.toContain('gpt-5-codex-upstream')
    expect(gw.metrics.tokens.get({ tier: 'pro', direction: 'output' })).toBeGreaterThan(0)
  })
})

describe('POST /v1/responses with bad input', () => {
  const call = { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }
  const cases: [string, unknown, string | RegExp][] = [
    ['input of the wrong type', { model: 'qwen3-32b', input: 42 }, /input/],
    ['an unknown item type', { model: 'qwen3-32b', input: [{ type: 'telepathy', thought: 'x' }] }, 'unknown input item type "telepathy"'],
    ['a function_call_output with no matching call', { model: 'qwen3-32b', input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'call_404', output: 'x' }] }, 'matches no function_call before it'],
    ['a tool with a broken schema', { model: 'qwen3-32b', input: 'x', tools: [{ ...WEATHER_TOOL, parameters: { type: 'object', properties: 'city' } }] }, 'tools[0].parameters.properties'],
    ['previous_response_id against a translated backend', { model: 'claude-haiku-4-5', input: 'x', previous_response_id: 'resp_1' }, 'keeps no conversation state'],
    ['a tool_choice that requires a built-in tool', { model: 'qwen3-32b', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'runs only on OpenAI'],
    ['no model', { input: 'x' }, /model/],
    ['a call output before its call', { model: 'qwen3-32b', input: [{ type: 'function_call_output', call_id: 'call_1', output: 'x' }, call] }, 'matches no function_call'],
  ]
  for (const [what, body, message] of cases) {
    it(`answers ${what} with a 400 in OpenAI's shape, sending and counting nothing`, async () => {
      const from = up.received.length
      const before = await used()
      const res = await post(body)
      expect(res.status).toBe(400)
      const error = ((await res.json()) as { error: Record<string, unknown> }).error
      expect(error.type).toBe('invalid_request_error')
      expect(error).toHaveProperty('param')
      expect(error).toHaveProperty('code')
      if (typeof message === 'string') expect(String(error.message)).toContain(message)
      else expect(String(error.message)).toMatch(message)
      expect(res.headers.get('x-request-id')).toMatch(/^req_/)
      expect(up.received.length).toBe(from)
      expect(await used()).toBe(before)
    })
  }

  it('answers malformed JSON, a missing credential and an unknown model in OpenAI shape', async () => {
    const malformed = await gw.handle('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: '{"model":' })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error')
    const anonymous = await gw.handle('/v1/responses', json({ model: 'qwen3-32b', input: 'x' }))
    expect(anonymous.status).toBe(401)
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
    const unknown = await post({ model: 'no-such-model', input: 'x' })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: { type: string } }).error.type).toBe('not_found_error')
  })

  it('keeps the deeply nested input of a hostile client a 400, and /health answering', async () => {
    const depth = 20_000
    const body = `{"model":"qwen3-32b","input":[{"role":"user","content":${'['.repeat(depth)}"x"${']'.repeat(depth)}}]}`
    const res = await gw.handle('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body })
    expect(res.status).toBe(400)
    expect((await gw.handle('/health')).status).toBe(200)
  })
})

describe('POST /v1/responses when the backend breaks, or the body is too big', () => {
  let cutter: ReturnType<typeof startCuttingUpstream>
  let small: ReturnType<typeof buildTestApp>
  beforeAll(() => {
    cutter = startCuttingUpstream()
    small = buildTestApp(
      testConfig({
        server: { max_body_bytes: 65_536 },
        backends: { cut_openai: { format: 'openai', base_url: `${cutter.url}/v1` }, cut_anthropic: { format: 'anthropic', base_url: cutter.url } },
        models: { 'cut-gpt': { backend: 'cut_openai' }, 'cut-claude': { backend: 'cut_anthropic' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { keys: [{ key: KEY, user: 'rita', tier: 'pro' }] },
      }),
    )
  })
  afterAll(async () => {
    await small.close()
    cutter.stop()
  })

  it('ends a stream cut halfway with response.failed, after what was said, for both backend formats', async () => {
    for (const model of ['cut-gpt', 'cut-claude']) {
      const res = await small.handle('/v1/responses', json({ model, input: 'hi', stream: true }, { 'x-api-key': KEY }))
      expect(res.status).toBe(200)
      const events = parseSSEText(await res.text())
      expect({ model, problems: validateResponsesEvents(events) }).toEqual({ model, problems: [] })
      const response = finalResponse(events)!
      expect({ model, last: events.at(-1)!.event, status: response.status }).toEqual({ model, last: 'response.failed', status: 'failed' })
      expect(response.error.message.length).toBeGreaterThan(0)
    }
  })

  it('answers a body over max_body_bytes with a 413 in OpenAI shape, counting nothing', async () => {
    const usedNow = async () => ((await (await small.handle('/quota', { headers: { 'x-api-key': KEY } })).json()) as { used: number }).used
    const before = await usedNow()
    const res = await small.handle('/v1/responses', json({ model: 'cut-gpt', input: 'x'.repeat(100_000) }, { 'x-api-key': KEY }))
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('request_too_large')
    expect(await usedNow()).toBe(before)
  })
})
