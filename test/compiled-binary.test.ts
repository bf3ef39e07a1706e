// The single executable built with `bun build --compile`, run from an empty directory with no
// node_modules (the air-gapped case), against fake upstreams speaking the real wire formats.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { FAKE_TEXT, startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { parseSSEText, readRest } from './helpers/read-sse'

let up: FakeUpstream
let dir: string
let bin: string
let gw: RunningBinary
const KEY = 'sk-binary-tests'

const CONFIG = `
server: { max_body_bytes: 65536, drain_timeout_s: 10 }
auth:
  keys:
    - { key: ${KEY}, user: bina, tier: pro }
backends:
  claude:   { format: anthropic, base_url: "\${FAKE_URL}", api_key: "\${CLAUDE_API_KEY}" }
  internal: { format: openai,    base_url: "\${FAKE_URL}/v1" }
models:
  qwen3-32b:      { backend: internal, upstream_model: Qwen/Qwen3-32B }
  "claude-*":     { backend: claude }
tiers:
  pro: { daily_requests: 100, models: ["*"] }
`

beforeAll(async () => {
  up = startFakeUpstream()
  ;({ dir, bin } = await emptyDirWithBinary())
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG)
  gw = await runBinary(bin, ['serve', '--config', 'gateway.yaml'], { FAKE_URL: up.url, CLAUDE_API_KEY: 'upstream-from-env' }, dir)
}, 60_000)
afterAll(async () => {
  if (gw.proc.exitCode === null) await gw.stop('SIGKILL')
  await up.stop()
})

const post = (path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: JSON.stringify(body) })

describe('the compiled binary from an empty directory (demo backend, fake upstream)', () => {
  it('has no node_modules beside it', () => {
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)
  })

  it("re-executes itself with Bun's fetch concurrency raised above 256, keeping its pid", async () => {
    const environ = await Bun.file(`/proc/${gw.proc.pid}/environ`).text()
    expect(environ.split('\0')).toContain('BUN_CONFIG_MAX_HTTP_REQUESTS=65535')
    expect(gw.output().match(/"msg":"listening"/g)?.length).toBe(1)
  })

  it('proxies Anthropic Messages with the key from ${VAR} substitution, streaming and not', async () => {
    const res = await post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], extra_field: 1 })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { model: string }).model).toBe('claude-haiku-4-5')
    expect(up.received.at(-1)!.headers.get('x-api-key')).toBe('upstream-from-env')
    expect(up.received.at(-1)!.body.extra_field).toBe(1)
    const stream = await post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const events = parseSSEText(await stream.text())
    expect(events[0]!.event).toBe('message_start')
    expect(events.at(-1)!.event).toBe('message_stop')
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text).join('')
    expect(text).toBe(FAKE_TEXT.join(''))
  })

  it('estimates count_tokens with the bundled tokenizer, loaded on first use', async () => {
    const res = await post('/v1/messages/count_tokens', { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hello there, how are you today?' }] })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(5)
  })

  it('proxies OpenAI Chat Completions, streaming and not', async () => {
    const res = await post('/v1/chat/completions', { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] })
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(FAKE_TEXT.join(''))
    const stream = await post('/v1/chat/completions', { model: 'qwen3-32b', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const events = parseSSEText(await stream.text())
    expect(events.at(-1)!.data).toBe('[DONE]')
  })

  it('answers a 64 KB credential header, garbage JWT segments and a malformed Authorization header with 401', async () => {
    const attempt = (authorization: string) =>
      fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{}' })
    for (const authorization of [`Bearer ${'a'.repeat(64 * 1024)}`, 'Bearer e30.!!!.???', 'Bearer', 'Token abc def', `Bearer ${'x.'.repeat(3000)}`]) {
      const res = await attempt(authorization)
      expect(res.status).toBe(401)
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
    }
    expect((await fetch(`${gw.url}/health`)).status).toBe(200)
  })

  it('drains an in-flight stream on SIGTERM, then exits 0', async () => {
    up.script.push({ kind: 'slow-stream', delayMs: 100 })
    const res = await post('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] })
    const reader = res.body!.getReader()
    await reader.read() // the stream has started
    gw.proc.kill('SIGTERM')
    const rest = await readRest(reader)
    expect(rest).toContain('message_stop')
    expect(await gw.proc.exited).toBe(0)
    expect(gw.output()).toContain('"msg":"draining"')
    expect(gw.output()).not.toContain(KEY)
    expect(gw.output()).not.toContain('upstream-from-env')
  })
})

describe('the compiled binary, other commands', () => {
  it('serves the demo backend on embedded defaults with nothing configured', async () => {
    const demo = await runBinary(bin, [], { GATEWAY_DATA_DIR: join(dir, 'demo-data') }, dir)
    try {
      const res = await fetch(`${demo.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo-llm-gateway' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { choices: { message: { content: string } }[] }
      expect(body.choices[0]!.message.content).toContain('demo backend')
      expect(existsSync(join(dir, 'demo-data'))).toBe(true)
    } finally {
      expect(await demo.stop()).toBe(0)
    }
  })

  it('check-config names the file and key path of every problem and exits non-zero', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'server: { port: eighty }\nbackends:\n  x: { format: grpc, base_url: "not a url" }\nmodels:\n  m: { backend: nowhere }\ntiers:\n  free: { daily_requests: -1 }\nquota: { timezone: Mars/Olympus }\n',
    )
    const { stderr, code } = await runOnce(bin, ['check-config', '--config', 'bad.yaml'], {}, dir)
    expect(code).not.toBe(0)
    for (const path of ['server.port', 'backends.x.format', 'backends.x.base_url', 'models.m.backend', 'tiers.free.daily_requests', 'quota.timezone']) {
      expect(stderr).toContain(`bad.yaml: ${path}:`)
    }
  })

  it('check-config reports a file that is not YAML and one that does not exist', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'server: [unclosed\n')
    const broken = await runOnce(bin, ['check-config', '--config', 'broken.yaml'], {}, dir)
    expect(broken.code).not.toBe(0)
    expect(broken.stderr).toContain('broken.yaml: not valid YAML')
    const missing = await runOnce(bin, ['check-config'], { GATEWAY_CONFIG: 'missing.yaml' }, dir)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('missing.yaml: file not found')
  })

  it('refuses to start on a bad config', async () => {
    const { code, stderr } = await runOnce(bin, ['serve', '--config', 'bad.yaml'], {}, dir)
    expect(code).toBe(1)
    expect(stderr).toContain('refusing to start')
  })
})
