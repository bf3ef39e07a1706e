// Model routing in the running gateway (issue 5): several endpoints per backend with balancing,
// circuit breaking and retry before the first byte; fallbacks to another model on overload;
// gateway_model_routes_total; config reload without dropping requests. Upstreams are fakes that
// speak the real wire formats.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { buildTestApp, json, testConfig } from './helpers/gateway'

const msg = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], ...extra })
const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })

describe('a backend with two endpoints (fake upstreams)', () => {
  let a: FakeUpstream
  let b: FakeUpstream
  beforeAll(() => {
    a = startFakeUpstream()
    b = startFakeUpstream()
  })
  afterAll(async () => {
    await a.stop()
    await b.stop()
  })

  it('spreads requests, hides an endpoint killed mid-run from clients, and probes it back when it returns', async () => {
    const gw = buildTestApp(
      testConfig({
        backends: { internal: { format: 'openai', endpoints: [`${a.url}/v1`, `${b.url}/v1`], circuit_breaker: { failure_threshold: 2, cooldown_s: 1 } } },
        models: { 'qwen3-32b': { backend: 'internal' } },
        tiers: { free: { daily_requests: null, models: ['*'] } },
        auth: { keys: [{ key: 'sk-k', user: 'u', tier: 'free' }] },
      }),
    )
    const send = () => gw.handle('/v1/chat/completions', json(chat('qwen3-32b'), { 'x-api-key': 'sk-k' })).then((r) => r.status)
    try {
      const first = await Promise.all(Array.from({ length: 10 }, send))
      expect(first.every((s) => s === 200)).toBe(true)
      expect(a.received.length).toBeGreaterThan(0)
      expect(b.received.length).toBeGreaterThan(0)

      const bPort = b.port
      await b.stop() // killed mid-run: connections are refused from now on
      const during = await Promise.all(Array.from({ length: 20 }, send))
      expect(during.filter((s) => s !== 200)).toEqual([])

      b = startFakeUpstream(bPort) // back on the same address
      await Bun.sleep(1100) // the circuit's cooldown
      for (let i = 0; i < 10; i++) expect(await send()).toBe(200)
      expect(b.received.length).toBeGreaterThan(0)
    } finally {
      await gw.close()
    }
  })
})

describe('fallbacks (fake upstreams)', () => {
  let primary: FakeUpstream
  let backup: FakeUpstream
  let gw: ReturnType<typeof buildTestApp>
  beforeAll(() => {
    primary = startFakeUpstream()
    backup = startFakeUpstream()
    gw = buildTestApp(
      testConfig({
        backends: {
          claude: { format: 'anthropic', base_url: primary.url, circuit_breaker: { failure_threshold: 100 } },
          backup: { format: 'anthropic', base_url: backup.url },
          internal: { format: 'openai', base_url: `${primary.url}/v1`, circuit_breaker: { failure_threshold: 100 } },
          internal_backup: { format: 'openai', base_url: `${backup.url}/v1` },
        },
        models: {
          'claude-big': { backend: 'claude', fallbacks: ['claude-small'] },
          'claude-small': { backend: 'backup', upstream_model: 'small-v1' },
          'gpt-big': { backend: 'internal', fallbacks: ['gpt-small'] },
          'gpt-small': { backend: 'internal_backup' },
        },
        tiers: {
          pro: { daily_requests: 100, models: ['*'] },
          solo: { daily_requests: 100, models: ['claude-big'] },
        },
        auth: { keys: [{ key: 'sk-pro', user: 'pat', tier: 'pro' }, { key: 'sk-solo', user: 'sol', tier: 'solo' }] },
      }),
    )
  })
  afterAll(async () => {
    await gw.close()
    await primary.stop()
    await backup.stop()
  })

  it('sends the request to the allowed fallback when the primary answers 529, and says which model answered', async () => {
    primary.script.push({ kind: 'status', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } })
    const res = await gw.handle('/v1/messages', json(msg('claude-big'), { 'x-api-key': 'sk-pro' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-routed-model')).toBe('claude-small')
    expect(((await res.json()) as { model: string }).model).toBe('claude-small')
    expect(backup.received.at(-1)!.body.model).toBe('small-v1')
    const quota = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-pro' } })).json()) as { used: number }
    expect(quota.used).toBe(1)
    expect(gw.metrics.routes.get({ from: 'claude-big', to: 'claude-big' })).toBe(1)
    expect(gw.metrics.routes.get({ from: 'claude-big', to: 'claude-small' })).toBe(1)
  })

  it('falls back on an OpenAI-format 429 and 503 too, streaming included', async () => {
    primary.script.push({ kind: 'status', status: 429, body: { error: { message: 'slow down', type: 'rate_limit_error' } } })
    const res = await gw.handle('/v1/chat/completions', json({ ...chat('gpt-big'), stream: true }, { 'x-api-key': 'sk-pro' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-gateway-routed-model')).toBe('gpt-small')
    expect(await res.text()).toContain('"model":"gpt-small"')
  })

  it('gives a tier that allows no fallback the overload error in its own format', async () => {
    primary.script.push({ kind: 'status', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } })
    const res = await gw.handle('/v1/messages', json(msg('claude-big'), { 'x-api-key': 'sk-solo' }))
    expect(res.status).toBe(529)
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('overloaded_error')
    const quota = (await (await gw.handle('/quota', { headers: { 'x-api-key': 'sk-solo' } })).json()) as { used: number }
    expect(quota.used).toBe(0)
  })

  it('does not fall back on a client error', async () => {
    primary.script.push({ kind: 'status', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } } })
    const before = backup.received.length
    expect((await gw.handle('/v1/messages', json(msg('claude-big'), { 'x-api-key': 'sk-pro' }))).status).toBe(400)
    expect(backup.received.length).toBe(before)
  })
})

describe('config reload (fake upstream)', () => {
  it('SIGHUP applies a new config without dropping a stream in flight, and refuses a bad one', async () => {
    const up = startFakeUpstream()
    const { dir, bin } = await emptyDirWithBinary()
    const file = join(dir, 'gw.yaml')
    const base = `auth: { keys: [{ key: sk-r, user: r, tier: pro }] }
backends: { claude: { format: anthropic, base_url: "${up.url}" } }
tiers: { pro: { daily_requests: 100, models: ["*"] } }
`
    writeFileSync(file, `${base}models: { "claude-a": { backend: claude } }\n`)
    const gw = await runBinary(bin, ['--config', 'gw.yaml'], {}, dir)
    const post = (model: string, extra: Record<string, unknown> = {}) => fetch(`${gw.url}/v1/messages`, json(msg(model, extra), { 'x-api-key': 'sk-r' }))
    try {
      expect((await post('claude-b')).status).toBe(404)
      up.script.push({ kind: 'slow-stream', delayMs: 60 })
      const stream = await post('claude-a', { stream: true })
      writeFileSync(file, `${base}models: { "claude-a": { backend: claude }, "claude-b": { backend: claude } }\n`)
      gw.proc.kill('SIGHUP')
      let status = 0
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await post('claude-b')).status
        if (status !== 200) await Bun.sleep(50)
      }
      expect(status).toBe(200)
      expect(await stream.text()).toContain('message_stop')

      writeFileSync(file, `${base}models: { "claude-b": { backend: nowhere } }\n`)
      gw.proc.kill('SIGHUP')
      for (let i = 0; i < 50 && !gw.output().includes('config reload refused'); i++) await Bun.sleep(50)
      expect(gw.output()).toContain('config reload refused')
      expect((await post('claude-b')).status).toBe(200)
    } finally {
      await gw.stop()
      await up.stop()
    }
  })

  it('survives a reload to a config it cannot apply (a static key with a space), which check-config refuses too', async () => {
    const up = startFakeUpstream()
    const { dir, bin } = await emptyDirWithBinary()
    const file = join(dir, 'gw.yaml')
    const config = (key: string) => `auth: { keys: [{ key: "${key}", user: r, tier: pro }] }
backends: { claude: { format: anthropic, base_url: "${up.url}" } }
models: { "claude-a": { backend: claude } }
tiers: { pro: { daily_requests: 100, models: ["*"] } }
`
    writeFileSync(file, config('sk-r'))
    const gw = await runBinary(bin, ['--config', 'gw.yaml'], {}, dir)
    try {
      writeFileSync(file, config('sk-r with-a-space'))
      const check = await runOnce(bin, ['check-config', '--config', 'gw.yaml'], {}, dir)
      expect(check.code).toBe(1)
      expect(check.stderr).toContain('auth.keys[0].key')
      expect(check.stderr).not.toContain('with-a-space')
      gw.proc.kill('SIGHUP')
      for (let i = 0; i < 50 && !gw.output().includes('config reload refused'); i++) await Bun.sleep(50)
      expect(gw.output()).toContain('config reload refused')
      expect(gw.proc.exitCode).toBeNull()
      const res = await fetch(`${gw.url}/v1/messages`, json(msg('claude-a'), { 'x-api-key': 'sk-r' }))
      expect(res.status).toBe(200)
    } finally {
      await gw.stop()
      await up.stop()
    }
  })
})
