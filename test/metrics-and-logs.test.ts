// Operating the gateway (issue 7): /metrics after real traffic shows every contract metric and
// label moving as it should; one JSON log line per request, never a key or a prompt; the OpenAPI
// document of the gateway's own routes.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createLogger } from '../src/logging/logger'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { buildTestApp, json, listenTestGateway, testConfig } from './helpers/gateway'

let up: FakeUpstream
const logLines: string[] = []
let gw: ReturnType<typeof buildTestApp>
const SECRET_PROMPT = 'the-secret-prompt-text-7731'

beforeAll(() => {
  up = startFakeUpstream()
  gw = buildTestApp(
    testConfig({
      // /metrics on the app itself, as on a laptop; the listener of its own is tested below.
      server: { metrics_port: null },
      backends: { claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-key-991' }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
      models: { 'qwen3-32b': { backend: 'internal' }, 'claude-*': { backend: 'claude' } },
      tiers: {
        free: { daily_requests: 2, models: ['qwen3-32b'], routes: { 'claude-*': 'qwen3-32b' } },
        pro: { daily_requests: 100, models: ['*'] },
      },
      auth: { keys: [{ key: 'sk-free-metrics', user: 'fran', tier: 'free' }, { key: 'sk-pro-metrics', user: 'paul', tier: 'pro' }] },
    }),
    { log: createLogger('info', (l) => logLines.push(l)) },
  )
})
afterAll(async () => {
  await gw.close()
  await up.stop()
})

function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return null
}

/** The traffic both tests read, sent once whichever test runs first (each can run alone). */
let traffic: Promise<void> | null = null
function sendTraffic(): Promise<void> {
  traffic ??= (async () => {
    const pro = { 'x-api-key': 'sk-pro-metrics' }
    const free = { 'x-api-key': 'sk-free-metrics' }
    const body = (model: string, extra = {}) => ({ model, max_tokens: 5, messages: [{ role: 'user', content: SECRET_PROMPT }], ...extra })
    expect((await gw.handle('/v1/messages', json(body('claude-opus-5-5'), pro))).status).toBe(200)
    await (await gw.handle('/v1/messages', json(body('claude-opus-5-5', { stream: true }), pro))).text()
    expect((await gw.handle('/v1/chat/completions', json({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: SECRET_PROMPT }] }, free))).status).toBe(200)
    expect((await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'x' }] }, free))).status).toBe(200)
    expect((await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'x' }] }, free))).status).toBe(429)
    expect((await gw.handle('/v1/chat/completions', json({ model: 'unknown-model', messages: [{ role: 'user', content: 'x' }] }, pro))).status).toBe(404)
    up.script.push({ kind: 'status', status: 500, body: 'boom' })
    expect((await gw.handle('/v1/messages', json(body('claude-opus-5-5'), pro))).status).toBe(502)
  })()
  return traffic
}

describe('/metrics after traffic (fake upstreams)', () => {
  it('moves every metric and label as the traffic did', async () => {
    await sendTraffic()

    // Request metrics are recorded after each response has gone out; wait (bounded) for the last.
    let text = ''
    for (let i = 0; i < 100; i++) {
      const res = await gw.handle('/metrics')
      expect(res.headers.get('content-type')).toContain('text/plain')
      text = await res.text()
      if (sample(text, 'gateway_requests_total', { tier: 'pro', endpoint: 'messages', status: '502' }) !== null) break
      await Bun.sleep(10)
    }
    expect(sample(text, 'gateway_requests_total', { tier: 'pro', endpoint: 'messages', status: '200' })).toBe(2)
    expect(sample(text, 'gateway_requests_total', { tier: 'free', endpoint: 'chat_completions', status: '200' })).toBe(2)
    expect(sample(text, 'gateway_requests_total', { tier: 'free', endpoint: 'chat_completions', status: '429' })).toBe(1)
    expect(sample(text, 'gateway_requests_total', { tier: 'pro', endpoint: 'chat_completions', status: '404' })).toBe(1)
    expect(sample(text, 'gateway_requests_total', { tier: 'pro', endpoint: 'messages', status: '502' })).toBe(1)
    expect(sample(text, 'gateway_quota_used', { user: 'fran' })).toBe(2)
    expect(sample(text, 'gateway_model_routes_total', { from: 'claude-opus-5-5', to: 'qwen3-32b' })).toBe(1)
    // `to` is the models entry that matched: the glob, not the name the client sent.
    expect(sample(text, 'gateway_model_routes_total', { from: 'claude-opus-5-5', to: 'claude-*' })).toBe(3)
    expect(sample(text, 'gateway_request_duration_seconds_count', { tier: 'pro', endpoint: 'messages' })).toBe(3)
    expect(sample(text, 'gateway_request_duration_seconds_bucket', { tier: 'pro', endpoint: 'messages', le: '+Inf' })).toBe(3)
    expect(sample(text, 'gateway_upstream_duration_seconds_count', { backend: 'claude' })).toBe(3)
    expect(sample(text, 'gateway_time_to_first_token_seconds_count', { backend: 'claude' })).toBe(1)
    expect(sample(text, 'gateway_tokens_total', { tier: 'pro', direction: 'output' })).toBe(10)
    expect(sample(text, 'gateway_tokens_total', { tier: 'free', direction: 'input' })).toBe(24)
    expect(sample(text, 'gateway_quota_rejections_total', { tier: 'free' })).toBe(1)
    expect(sample(text, 'gateway_upstream_errors_total', { backend: 'claude', kind: '500' })).toBe(1)
    expect(sample(text, 'gateway_open_streams', {})).toBe(0)
    expect(text).toContain('# TYPE gateway_store_errors_total counter')
  })

  it('logs one JSON line per request with id, user, tier, models, status and latency, never a key or a prompt', async () => {
    await sendTraffic()
    // A refused body with the prompt where the model name belongs: the 400 is logged without it.
    const bad = await gw.handle('/v1/messages', json({ model: { hidden: SECRET_PROMPT }, max_tokens: 5, messages: [] }, { 'x-api-key': 'sk-pro-metrics' }))
    expect(bad.status).toBe(400)
    const refused = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request' && l.status === 400)
    expect(refused).toMatchObject({ endpoint: 'messages', user: 'paul' })
    expect(refused).not.toHaveProperty('requested_model')
    const requests = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request')
    expect(requests.length).toBeGreaterThanOrEqual(7)
    const routed = requests.find((l) => l.user === 'fran' && l.routed_model === 'qwen3-32b' && l.requested_model === 'claude-opus-5-5')
    expect(routed).toMatchObject({ tier: 'free', endpoint: 'chat_completions', status: 200, backend: 'internal', input_tokens: 12, output_tokens: 5 })
    const streamed = requests.find((l) => l.user === 'paul' && l.stream === 'complete')
    expect(streamed).toMatchObject({ backend: 'claude', routed_model: 'claude-opus-5-5', output_tokens: 5 })
    expect(routed.request_id).toMatch(/^req_/)
    expect(typeof routed.latency_ms).toBe('number')
    const all = logLines.join('\n')
    for (const secret of ['sk-pro-metrics', 'sk-free-metrics', 'upstream-key-991', SECRET_PROMPT]) expect(all).not.toContain(secret)
  })
})

describe('metric labels clients choose (fake upstream)', () => {
  it('labels gateway_model_routes_total{to} with the models entry that matched, never a name the client made up', async () => {
    const pro = { 'x-api-key': 'sk-pro-metrics' }
    for (let i = 0; i < 20; i++) expect((await gw.handle('/v1/messages/count_tokens', json({ model: `claude-invented-${i}`, messages: [] }, pro))).status).toBe(200)
    const text = await (await gw.handle('/metrics')).text()
    const tos = new Set(text.split('\n').filter((l) => l.startsWith('gateway_model_routes_total{')).map((l) => /to="([^"]*)"/.exec(l)![1]))
    expect([...tos].every((to) => to === 'qwen3-32b' || to === 'claude-*')).toBe(true)
  })

  it('caps the distinct requested model names in gateway_model_routes_total, folding the rest into "other"', async () => {
    const pro = { 'x-api-key': 'sk-pro-metrics' }
    for (let i = 0; i < 520; i++) {
      const res = await gw.handle('/v1/messages/count_tokens', json({ model: `claude-made-up-${i}`, messages: [] }, pro))
      expect(res.status).toBe(200)
    }
    const text = await (await gw.handle('/metrics')).text()
    const froms = new Set(text.split('\n').filter((l) => l.startsWith('gateway_model_routes_total{')).map((l) => /from="([^"]*)"/.exec(l)![1]))
    expect(froms.size).toBeLessThanOrEqual(501)
    expect(froms.has('other')).toBe(true)
  })
})

describe('translation warnings at debug level (fake upstream)', () => {
  it('name what was dropped, bounded, never the content', async () => {
    const lines: string[] = []
    const debugGw = buildTestApp(
      testConfig({
        backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { pro: { daily_requests: 100, models: ['*'] } },
        auth: { keys: [{ key: 'sk-debug-log', user: 'dora', tier: 'pro' }] },
      }),
      { log: createLogger('debug', (l) => lines.push(l)) },
    )
    try {
      // A field name the client chose, carrying the prompt.
      const longName = `x_${SECRET_PROMPT.repeat(100)}`
      const res = await debugGw.handle('/v1/messages', json({ model: 'qwen3-32b', max_tokens: 5, [longName]: 1, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'sk-debug-log' }))
      expect(res.status).toBe(200)
      const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'translation dropped parts of the request')
      // Not a plain short name: blanked, so no part of the prompt reaches the log.
      expect(line.warnings).toEqual([{ type: 'dropped-field', field: '…' }])
      expect(lines.join('\n')).not.toContain(SECRET_PROMPT)
    } finally {
      await debugGw.close()
    }
  })
})

describe('OpenAPI', () => {
  it('serves the document of the gateway routes and a page listing them that loads nothing from elsewhere (air-gapped hosts)', async () => {
    const server = listenTestGateway(testConfig({ backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } }, models: { m: { backend: 'internal' } } }))
    try {
      const doc = (await (await fetch(`${server.url}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> }
      expect(doc.openapi).toMatch(/^3\./)
      for (const path of ['/v1/messages', '/v1/chat/completions', '/v1/responses', '/v1/models', '/quota', '/health', '/ready']) expect(Object.keys(doc.paths)).toContain(path)
      const ui = await fetch(`${server.url}/docs`)
      expect(ui.status).toBe(200)
      expect(ui.headers.get('content-type')).toContain('text/html')
      const page = await ui.text()
      expect(page).toContain('docs/json')
      // No script, style or font from another host: no "//" in any src or href, no CDN.
      expect(page).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i)
      expect(page).not.toMatch(/cdn|jsdelivr|unpkg/i)
    } finally {
      await server.stop()
    }
  })
})

describe('/metrics on a listener of its own', () => {
  it('is not on the API port, where clients are: it shows users and tiers', async () => {
    const server = listenTestGateway(testConfig({ backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } }, models: { m: { backend: 'internal' } } }))
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
      const scraped = await fetch(`${server.metricsUrl}/metrics`)
      expect(scraped.status).toBe(200)
      expect(scraped.headers.get('content-type')).toContain('text/plain')
      const text = await scraped.text()
      expect(text).toContain('gateway_event_loop_lag_seconds')
      expect(text).toContain('gateway_requests_total')
      // The metrics listener serves nothing else.
      expect((await fetch(`${server.metricsUrl}/v1/models`)).status).toBe(404)
    } finally {
      await server.stop()
    }
  })
})

describe('request ids', () => {
  it("are always the gateway's own; a client's x-request-id is logged beside it, never used as it", async () => {
    const res = await gw.handle('/v1/chat/completions', json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': 'sk-pro-metrics', 'x-request-id': 'client-chosen-id-42' }))
    const id = res.headers.get('x-request-id')!
    expect(id).toMatch(/^req_[0-9a-f]{32}$/)
    expect(res.headers.get('request-id')).toBe(id)
    const models = await gw.handle('/v1/models', { headers: { 'x-api-key': 'sk-pro-metrics', 'x-request-id': 'client-chosen-id-43' } })
    expect(models.headers.get('x-request-id')).not.toBe('client-chosen-id-43')
    let line: Record<string, unknown> | undefined
    for (let i = 0; i < 50 && !line; i++) {
      line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.request_id === id)
      if (!line) await Bun.sleep(10)
    }
    expect(line).toMatchObject({ request_id: id, client_request_id: 'client-chosen-id-42' })
  })
})
