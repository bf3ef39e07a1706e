// The usage ledger is exact: three replicas of the compiled gateway on one real Redis serve a
// burst of mixed requests (both APIs, streaming and not, same-format and translated, some failing
// upstream, some over quota) from fake upstreams speaking the real wire formats; /admin/usage then
// equals what the clients received, request for request and token for token. The same holds on the
// embedded SQLite store after a restart, and `llm-gateway usage` reads the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { readSSE } from './helpers/read-sse'
import { startRedis } from './helpers/redis-server'
import { waitFor } from './helpers/wait-for'

const ADMIN = 'sk-admin-ledger-tests'
const USERS = [
  { key: 'sk-ledger-u1', user: 'u1', tier: 'pro' },
  { key: 'sk-ledger-u2', user: 'u2', tier: 'pro' },
  { key: 'sk-ledger-u3', user: 'u3', tier: 'free' },
]
const CONFIG = `
auth:
  admin_key: ${ADMIN}
  keys:
${USERS.map((u) => `    - { key: ${u.key}, user: ${u.user}, tier: ${u.tier} }`).join('\n')}
backends:
  claude:   { format: anthropic, base_url: "\${FAKE_URL}" }
  internal: { format: openai,    base_url: "\${FAKE_URL}/v1" }
models:
  qwen3-32b:  { backend: internal }
  "claude-*": { backend: claude }
tiers:
  pro:  { daily_requests: null, models: ["*"] }
  free: { daily_requests: 6, models: ["*"] }
`

let up: FakeUpstream
let dir: string
let bin: string
beforeAll(async () => {
  up = startFakeUpstream()
  ;({ dir, bin } = await emptyDirWithBinary())
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG)
}, 120_000)
afterAll(async () => {
  await up.stop()
})

interface Tally {
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
}
type Tallies = Map<string, Tally>

const n = (v: unknown) => (typeof v === 'number' ? v : 0)

/** The tokens a client was told of, in its own API's terms, as the gateway accounts them. */
async function received(response: Response, api: 'anthropic' | 'openai', stream: boolean): Promise<Omit<Tally, 'requests' | 'errors'>> {
  const none = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0 }
  if (!response.ok) {
    await response.arrayBuffer()
    return none
  }
  if (!stream) {
    const body = (await response.json()) as { usage: Record<string, unknown> }
    const u = body.usage
    if (api === 'openai') return { input_tokens: n(u.prompt_tokens), output_tokens: n(u.completion_tokens), cache_read_tokens: n((u.prompt_tokens_details as Record<string, unknown> | null)?.cached_tokens) }
    return { input_tokens: n(u.input_tokens) + n(u.cache_read_input_tokens) + n(u.cache_creation_input_tokens), output_tokens: n(u.output_tokens), cache_read_tokens: n(u.cache_read_input_tokens) }
  }
  const events = await readSSE(response)
  if (api === 'openai') {
    const last = events.map((e) => (e.data === '[DONE]' ? null : (JSON.parse(e.data) as { usage?: Record<string, unknown> | null }))).findLast((c) => c?.usage)
    const u = last?.usage ?? {}
    return { input_tokens: n(u.prompt_tokens), output_tokens: n(u.completion_tokens), cache_read_tokens: n((u.prompt_tokens_details as Record<string, unknown> | null)?.cached_tokens) }
  }
  const start = events.find((e) => e.event === 'message_start')
  const delta = events.find((e) => e.event === 'message_delta')
  const s = (start ? (JSON.parse(start.data) as { message: { usage: Record<string, unknown> } }).message.usage : {}) as Record<string, unknown>
  const d = (delta ? (JSON.parse(delta.data) as { usage: Record<string, unknown> }).usage : {}) as Record<string, unknown>
  // The final input count is message_delta's when it states one (a translated stream), else message_start's.
  const u = 'input_tokens' in d ? d : s
  return { input_tokens: n(u.input_tokens) + n(u.cache_read_input_tokens) + n(u.cache_creation_input_tokens), output_tokens: n(d.output_tokens), cache_read_tokens: n(u.cache_read_input_tokens) }
}

/** One request of the burst, chosen by its number: API, model (same-format or translated), streaming. */
function requestOf(i: number) {
  const user = USERS[i % USERS.length]!
  const api = i % 2 === 0 ? 'anthropic' : 'openai'
  const model = Math.floor(i / 2) % 2 === 0 ? 'claude-haiku-4-5' : 'qwen3-32b'
  const stream = Math.floor(i / 4) % 2 === 0
  const body =
    api === 'anthropic'
      ? { model, max_tokens: 20, stream, messages: [{ role: 'user', content: `hi ${i}` }] }
      : { model, stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: `hi ${i}` }] }
  return { user, api: api as 'anthropic' | 'openai', model, stream, path: api === 'anthropic' ? '/v1/messages' : '/v1/chat/completions', body }
}

async function burst(urls: string[], count: number): Promise<Tallies> {
  // Some answers fail upstream: whichever requests reach the fake next get these.
  up.script.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 500, body: { error: { message: 'boom', type: 'server_error' } } })))
  up.script.push(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503, body: { error: { message: 'busy', type: 'overloaded' } } })))
  const tallies: Tallies = new Map()
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const r = requestOf(i)
      const response = await fetch(`${urls[i % urls.length]}${r.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': r.user.key }, body: JSON.stringify(r.body) })
      const tokens = await received(response, r.api, r.stream)
      const id = `${r.user.user}/${r.model}`
      const t = tallies.get(id) ?? { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0 }
      t.requests++
      if (!response.ok) t.errors++
      t.input_tokens += tokens.input_tokens
      t.output_tokens += tokens.output_tokens
      t.cache_read_tokens += tokens.cache_read_tokens
      tallies.set(id, t)
    }),
  )
  return tallies
}

async function ledger(url: string): Promise<Tallies> {
  const response = await fetch(`${url}/admin/usage?group_by=user,model`, { headers: { 'x-api-key': ADMIN } })
  expect(response.status).toBe(200)
  return asTallies(((await response.json()) as { rows: (Tally & { user: string; model: string })[] }).rows)
}

function asTallies(rows: (Tally & { user: string; model: string })[]): Tallies {
  return new Map(rows.map((r) => [`${r.user}/${r.model}`, { requests: r.requests, errors: r.errors, input_tokens: r.input_tokens, output_tokens: r.output_tokens, cache_read_tokens: r.cache_read_tokens }]))
}

const sorted = (t: Tallies) => Object.fromEntries([...t].sort(([a], [b]) => (a < b ? -1 : 1)))

describe('the usage ledger equals what the clients received', () => {
  it('on three replicas of the compiled binary sharing one real Redis', async () => {
    const redis = await startRedis()
    const gateways: RunningBinary[] = []
    try {
      for (let i = 0; i < 3; i++) gateways.push(await runBinary(bin, ['serve', '--config', 'gateway.yaml'], { FAKE_URL: up.url, QUOTA_REDIS_URL: redis.url }, dir))
      const sent = await burst(gateways.map((g) => g.url), 240)
      const total = [...sent.values()].reduce((a, t) => ({ requests: a.requests + t.requests, errors: a.errors + t.errors }), { requests: 0, errors: 0 })
      expect(total.requests).toBe(240)
      // The free user's requests past 6 (and those failing upstream) were answered as errors.
      expect(total.errors).toBeGreaterThanOrEqual(80 - 6)
      // Each replica writes its rows within a second; any replica then reads everyone's.
      await waitFor(async () => JSON.stringify(sorted(await ledger(gateways[2]!.url))) === JSON.stringify(sorted(sent)), 5_000, 200)
      expect(sorted(await ledger(gateways[0]!.url))).toEqual(sorted(sent))
    } finally {
      await Promise.all(gateways.map((g) => g.stop()))
      await redis.stop()
    }
  }, 120_000)

  it('on the embedded SQLite store after a restart, and through `llm-gateway usage`', async () => {
    const env = { FAKE_URL: up.url, GATEWAY_DATA_DIR: join(dir, 'sqlite-data') }
    const first = await runBinary(bin, ['serve', '--config', 'gateway.yaml'], env, dir)
    const sent = await burst([first.url], 120)
    // A graceful stop writes the rows still held in memory.
    expect(await first.stop()).toBe(0)
    const second = await runBinary(bin, ['serve', '--config', 'gateway.yaml'], env, dir)
    try {
      expect(sorted(await ledger(second.url))).toEqual(sorted(sent))
      const cli = await runOnce(bin, ['usage', '--config', 'gateway.yaml', '--group-by', 'user,model', '--format', 'json'], env, dir)
      expect(cli.code).toBe(0)
      expect(sorted(asTallies(JSON.parse(cli.stdout).rows))).toEqual(sorted(sent))
      const table = await runOnce(bin, ['usage', '--config', 'gateway.yaml', '--group-by', 'user', '--format', 'table'], env, dir)
      expect(table.stdout.split('\n')[0]).toMatch(/^user\s+requests\s+errors\s+input_tokens/)
      const bad = await runOnce(bin, ['usage', '--config', 'gateway.yaml', '--from', '2026-02-31'], env, dir)
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('from must be a date')
    } finally {
      await second.stop()
    }
  }, 120_000)

  it('counts a stream still open across a config reload, though the gateway stops right after it ends', async () => {
    const env = { FAKE_URL: up.url, GATEWAY_DATA_DIR: join(dir, 'reload-data') }
    writeFileSync(join(dir, 'reload.yaml'), CONFIG)
    const first = await runBinary(bin, ['serve', '--config', 'reload.yaml'], env, dir)
    up.script.push({ kind: 'slow-stream', delayMs: 100 })
    const response = await fetch(`${first.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': USERS[0]!.key }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'hi' }] }) })
    const reader = response.body!.getReader()
    await reader.read()
    writeFileSync(join(dir, 'reload.yaml'), CONFIG.replace('daily_requests: 6', 'daily_requests: 7'))
    first.proc.kill('SIGHUP')
    expect(await waitFor(() => first.output().includes('config reloaded'), 5_000, 20)).toBe(true)
    while (!(await reader.read()).done) {}
    expect(await first.stop()).toBe(0)
    const second = await runBinary(bin, ['serve', '--config', 'reload.yaml'], env, dir)
    try {
      const rows = (await ledger(second.url)).get(`u1/claude-haiku-4-5`)
      expect(rows).toEqual({ requests: 1, errors: 0, input_tokens: 15, output_tokens: 5, cache_read_tokens: 3 })
    } finally {
      await second.stop()
    }
  }, 60_000)
})
