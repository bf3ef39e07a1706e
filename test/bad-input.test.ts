// Bad input and failing upstreams: each gets the contract's status and error shape in the route's
// own format, nothing is counted, and the gateway keeps serving. Upstreams are fakes speaking the
// real wire formats, or nothing at all (a closed port).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { freePort } from './helpers/free-port'
import { createLogger } from '../src/logging/logger'
import { buildTestApp, json, listenTestGateway, testConfig } from './helpers/gateway'
import { startCuttingUpstream, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { readSSE } from './helpers/read-sse'
import { waitFor } from './helpers/wait-for'

let up: FakeUpstream
let gw: ReturnType<typeof buildTestApp>
let cutter: ReturnType<typeof startCuttingUpstream>
const KEY = 'sk-bad-input-tests'
const auth = { 'x-api-key': KEY }

beforeAll(async () => {
  up = startFakeUpstream()
  cutter = startCuttingUpstream()
  const closedPort = await freePort()
  gw = buildTestApp(
    testConfig({
      server: { max_body_bytes: 4096 },
      backends: {
        claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-secret' },
        internal: { format: 'openai', base_url: `${up.url}/v1` },
        down: { format: 'openai', base_url: `http://127.0.0.1:${closedPort}/v1` },
        cut_anthropic: { format: 'anthropic', base_url: cutter.url },
        cut_openai: { format: 'openai', base_url: `${cutter.url}/v1` },
        stalling: { format: 'anthropic', base_url: cutter.url, timeouts: { idle_s: 1 } },
        slow: { format: 'anthropic', base_url: up.url, timeouts: { first_byte_s: 1 } },
      },
      models: {
        'qwen3-32b': { backend: 'internal' },
        'down-model': { backend: 'down' },
        'slow-model': { backend: 'slow' },
        'cut-claude': { backend: 'cut_anthropic' },
        'cut-gpt': { backend: 'cut_openai' },
        'stall-claude': { backend: 'stalling', upstream_model: 'stall-claude' },
        'claude-*': { backend: 'claude' },
      },
      tiers: {
        free: { daily_requests: 10, models: ['qwen3-32b'] },
        enterprise: { daily_requests: null, models: ['*'] },
      },
      auth: { keys: [{ key: KEY, user: 'bob', tier: 'enterprise' }, { key: 'sk-free-user', user: 'fred', tier: 'free' }] },
    }),
  )
})
afterAll(async () => {
  await gw.close()
  await up.stop()
  cutter.stop()
})

const msg = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }
const chat = { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }

async function expectAnthropicError(res: Response, status: number, type: string) {
  expect(res.status).toBe(status)
  const body = (await res.json()) as { type: string; error: { type: string; message: string } }
  expect(body.type).toBe('error')
  expect(body.error.type).toBe(type)
  expect(body.error.message.length).toBeGreaterThan(0)
  expect(res.headers.get('request-id')).toMatch(/^req_/)
  expect(JSON.stringify(body)).not.toMatch(/upstream-secret|at .*\.ts:\d+/)
  return body
}

async function expectOpenAIError(res: Response, status: number, type: string) {
  expect(res.status).toBe(status)
  const body = (await res.json()) as { error: { type: string; message: string; param: unknown; code: unknown } }
  expect(body.error.type).toBe(type)
  expect(body.error).toHaveProperty('param')
  expect(body.error).toHaveProperty('code')
  expect(res.headers.get('x-request-id')).toMatch(/^req_/)
  return body
}

const raw = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body })

describe('malformed requests (fake upstreams)', () => {
  const cases: [string, RequestInit][] = [
    ['malformed JSON', raw('{"model": "x",')],
    ['a JSON array', raw('[1, 2, 3]')],
    ['a JSON string', raw('"hello"')],
    ['wrong content type', raw(JSON.stringify(msg), { 'content-type': 'text/plain' })],
    ['missing model', raw(JSON.stringify({ max_tokens: 5, messages: [] }))],
    ['model of the wrong type', raw(JSON.stringify({ ...msg, model: 42 }))],
    ['messages not a list', raw(JSON.stringify({ ...msg, messages: 'hi' }))],
  ]
  for (const [name, init] of cases) {
    it(`answers ${name} with 400 in Anthropic's shape on /v1/messages`, async () => {
      await expectAnthropicError(await gw.handle('/v1/messages', init), 400, 'invalid_request_error')
    })
    it(`answers ${name} with 400 in OpenAI's shape on /v1/chat/completions`, async () => {
      await expectOpenAIError(await gw.handle('/v1/chat/completions', init), 400, 'invalid_request_error')
    })
  }

  it('answers a body over max_body_bytes with 413, by content-length and when chunked', async () => {
    const big = JSON.stringify({ ...msg, messages: [{ role: 'user', content: 'x'.repeat(10_000) }] })
    await expectAnthropicError(await gw.handle('/v1/messages', raw(big)), 413, 'request_too_large')
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big))
        c.close()
      },
    })
    const res = await gw.handle('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: chunked, duplex: 'half' } as RequestInit)
    await expectOpenAIError(res, 413, 'request_too_large')
  })

  it('answers an unknown route with 404 in the route family shape', async () => {
    await expectOpenAIError(await gw.handle('/v1/completions', raw('{}')), 404, 'not_found_error')
    await expectAnthropicError(await gw.handle('/v1/messages/batches', raw('{}')), 404, 'not_found_error')
  })

  it('answers an unknown model with 404 and a model the tier may not use with 403', async () => {
    await expectOpenAIError(await gw.handle('/v1/chat/completions', raw(JSON.stringify({ ...chat, model: 'llama-9000' }))), 404, 'not_found_error')
    const res = await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'claude-opus-5-5' }), { 'x-api-key': 'sk-free-user' }))
    await expectAnthropicError(res, 403, 'permission_error')
  })
})

describe('credentials (fake upstream)', () => {
  it('answers no credential, an unknown key and a malformed Authorization header with 401', async () => {
    await expectAnthropicError(await gw.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) }), 401, 'authentication_error')
    const wrong = await expectOpenAIError(await gw.handle('/v1/chat/completions', raw(JSON.stringify(chat), { 'x-api-key': 'sk-not-a-key' })), 401, 'authentication_error')
    expect(JSON.stringify(wrong)).not.toContain('sk-not-a-key')
    const res = await gw.handle('/v1/models', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })
    await expectOpenAIError(res, 401, 'authentication_error')
  })

  it('checks the credential before reading the body', async () => {
    const res = await gw.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })
    await expectAnthropicError(res, 401, 'authentication_error')
  })
})

describe('failing upstreams (fake upstreams that fail on purpose)', () => {
  it('answers 502 when the backend refuses connections, and gives the quota back', async () => {
    const res = await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'down-model' })))
    await expectAnthropicError(res, 502, 'api_error')
  })

  it('answers 504 when the backend does not answer within its first-byte timeout', async () => {
    up.script.push({ kind: 'hang' })
    await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'slow-model' }))), 504, 'api_error')
  })

  it('answers 502 api_error when the backend answers 500, in both shapes', async () => {
    up.script.push({ kind: 'status', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } })
    await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify(msg))), 502, 'api_error')
    up.script.push({ kind: 'status', status: 500, body: 'Internal Server Error' })
    await expectOpenAIError(await gw.handle('/v1/chat/completions', raw(JSON.stringify(chat))), 502, 'api_error')
  })

  it('answers 502 when a backend answers 200 with a body that is not JSON, in both shapes', async () => {
    up.script.push({ kind: 'status', status: 200, body: '<html>proxy login</html>' })
    const a = await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify(msg))), 502, 'api_error')
    expect(a.error.message).toContain('not JSON')
    up.script.push({ kind: 'status', status: 200, body: '{"id":"chatcmpl-1","choices":[' })
    const o = (await expectOpenAIError(await gw.handle('/v1/chat/completions', raw(JSON.stringify(chat))), 502, 'api_error')) as { error: { message: string } }
    expect(o.error.message).toContain('not JSON')
  })

  it('answers 502 when a non-streaming answer is cut before its body ends', async () => {
    const a = await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'cut-claude' }))), 502, 'api_error')
    expect(a.error.message).toContain('closed the connection before the response was complete')
  })

  it('answers 504 timed out when a backend goes silent in the middle of a JSON answer to a streaming request', async () => {
    // Streamed requests go through the gateway's own HTTP/1.1 client; the backend answers JSON, not SSE.
    const a = await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'stall-claude', stream: true }))), 504, 'api_error')
    expect(a.error.message).toContain('timed out')
  })

  it('answers 502, not a 400 about the request, when a backend answer is nested too deeply to write again', async () => {
    const depth = 200_000
    up.script.push({ kind: 'status', status: 200, body: `{"model":"upstream-name","x":${'['.repeat(depth)}${']'.repeat(depth)},"usage":{"input_tokens":1,"output_tokens":1}}` })
    const a = await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify(msg))), 502, 'api_error')
    expect(a.error.message).toContain('cannot relay')
  })

  it('answers an overloaded backend with 529 overloaded_error to Anthropic callers', async () => {
    up.script.push({ kind: 'status', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } })
    await expectAnthropicError(await gw.handle('/v1/messages', raw(JSON.stringify(msg))), 529, 'overloaded_error')
    up.script.push({ kind: 'status', status: 503, body: { error: { message: 'busy', type: 'server_error' } } })
    await expectOpenAIError(await gw.handle('/v1/chat/completions', raw(JSON.stringify(chat))), 503, 'overloaded_error')
  })

  it("passes a same-format client error through unchanged, with the upstream's status", async () => {
    const upstreamError = { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } }
    up.script.push({ kind: 'status', status: 400, body: upstreamError, headers: { 'x-should-retry': 'false' } })
    const res = await gw.handle('/v1/messages', raw(JSON.stringify(msg)))
    expect(res.status).toBe(400)
    expect(res.headers.get('x-should-retry')).toBe('false')
    expect(await res.json()).toEqual(upstreamError)
  })

  it('ends a stream cut halfway with an error event in the client format', async () => {
    const events = await readSSE(await gw.handle('/v1/messages', raw(JSON.stringify({ ...msg, model: 'cut-claude', stream: true }))))
    expect(events[0]!.event).toBe('message_start')
    const last = events.at(-1)!
    expect(last.event).toBe('error')
    expect(JSON.parse(last.data).error.type).toBe('api_error')

    const chunks = await readSSE(await gw.handle('/v1/chat/completions', raw(JSON.stringify({ ...chat, model: 'cut-gpt', stream: true }))))
    expect(JSON.parse(chunks.at(-1)!.data).error.type).toBe('api_error')
  })

  it('never counted any of the failed requests, and keeps serving', async () => {
    const quota = (await (await gw.handle('/quota', { headers: auth })).json()) as { used: number }
    // Counted: the passthrough 400 is given back too; only the two cut streams reached a first byte.
    expect(quota.used).toBe(2)
    const res = await gw.handle('/v1/messages', raw(JSON.stringify(msg)))
    expect(res.status).toBe(200)
  })
})

describe('bodies and identities the config did not foresee (fake upstream)', () => {
  let wide: ReturnType<typeof buildTestApp>
  beforeAll(() => {
    wide = buildTestApp(
      testConfig({
        backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' }, 'claude-*': { backend: 'claude' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { keys: [{ key: KEY, user: 'bob', tier: 'pro' }] },
      }),
    )
  })
  afterAll(() => wide.close())

  it('answers JSON nested 100,000 deep with 400 in the route format, passed through or translated, and counts nothing', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    // Deep inside a tool call's input, which both the passthrough and the translation serialise.
    const body = (model: string) =>
      `{"model":"${model}","max_tokens":5,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${deep}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}]}`
    for (const model of ['claude-sonnet-4-5', 'qwen3-32b']) {
      const res = await wide.handle('/v1/messages', raw(body(model)))
      const err = await expectAnthropicError(res, 400, 'invalid_request_error')
      expect(err.error.message).toContain('nested too deeply')
    }
    const chat = `{"model":"qwen3-32b","messages":[{"role":"user","content":"x","extra":${deep}}]}`
    await expectOpenAIError(await wide.handle('/v1/chat/completions', raw(chat)), 400, 'invalid_request_error')
    const quota = (await (await wide.handle('/quota', { headers: auth })).json()) as { used: number }
    expect(quota.used).toBe(0)
  })

  it('answers a stored key whose tier this config does not have with 403 on every route, never a 500', async () => {
    const { key } = await wide.runtime.keyStore.create({ user: 'gina', tier: 'gold' })
    const headers = { 'x-api-key': key }
    for (const path of ['/v1/models', '/quota']) await expectOpenAIError(await wide.handle(path, { headers }), 403, 'permission_error')
    await expectAnthropicError(await wide.handle('/v1/messages', raw(JSON.stringify(msg), headers)), 403, 'permission_error')
  })
})

describe('a client that goes away mid-body (real sockets, fake upstream)', () => {
  it('is recorded as 499 without an error log line, with a known length and chunked', async () => {
    const lines: string[] = []
    const fake = startFakeUpstream()
    const gateway = listenTestGateway(
      testConfig({
        backends: { internal: { format: 'openai', base_url: `${fake.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { enterprise: { daily_requests: null, models: ['*'] } },
        auth: { keys: [{ key: KEY, user: 'bob', tier: 'enterprise' }] },
      }),
      { log: createLogger('info', (line) => lines.push(line)) },
    )
    try {
      const port = Number(new URL(gateway.url).port)
      const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-api-key: ${KEY}\r\n`
      for (const framing of ['content-length: 1000\r\n\r\n{"model":', 'transfer-encoding: chunked\r\n\r\n9\r\n{"model":\r\n']) {
        const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
        socket.write(head + framing)
        await Bun.sleep(50)
        socket.end()
      }
      const requests = () => lines.filter((l) => l.includes('"msg":"request"'))
      await waitFor(() => requests().length >= 2)
      expect(requests().map((l) => JSON.parse(l).status)).toEqual([499, 499])
      expect(lines.some((l) => l.includes('"level":"error"'))).toBe(false)
      expect(fake.received).toHaveLength(0)
    } finally {
      await gateway.stop()
      await fake.stop()
    }
  })
})
