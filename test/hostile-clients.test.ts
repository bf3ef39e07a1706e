// What a hostile client can do to one gateway process, measured on the compiled binary run from an
// empty directory: an anonymous admin request of any size costs a header check (401, memory flat);
// the tokenizer of count_tokens and a body nested 100,000 deep never hold /health up; an address
// that keeps failing to authenticate is slowed down. The upstream is a fake speaking the real wire
// formats (count_tokens on an OpenAI-format backend never reaches it).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunningBinary, emptyDirWithBinary, runBinary } from './helpers/binary'
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream'

let up: FakeUpstream
let gw: RunningBinary
const KEY = 'sk-hostile-tests'

beforeAll(async () => {
  up = startFakeUpstream()
  const { dir, bin } = await emptyDirWithBinary()
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `auth:
  keys: [{ key: ${KEY}, user: host, tier: free }]
backends:
  internal: { format: openai, base_url: "${up.url}/v1" }
models:
  qwen3-32b: { backend: internal }
tiers:
  free: { daily_requests: 1000, models: ["*"] }
`,
  )
  gw = await runBinary(bin, ['serve', '--config', 'gateway.yaml'], { GATEWAY_ADMIN_KEY: 'admin-key-for-hostile-tests' }, dir)
}, 60_000)
afterAll(async () => {
  if (gw.proc.exitCode === null) await gw.stop('SIGKILL')
  await up.stop()
})

async function rssBytes(): Promise<number> {
  const status = await Bun.file(`/proc/${gw.proc.pid}/status`).text()
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

/**
 * Sends a request over a raw socket, the body written as fast as the gateway takes it, and reads
 * the status line of the answer: a gateway that answers before reading the body must be heard.
 */
async function rawStatus(path: string, headers: Record<string, string>, body: Uint8Array, chunked = false): Promise<number> {
  const { hostname, port } = new URL(gw.url)
  let answer = ''
  let settle!: (status: number) => void
  const done = new Promise<number>((resolve) => (settle = resolve))
  let offset = 0
  const head = `POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}${chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.byteLength}\r\n`}\r\n`
  const framed = chunked ? Buffer.concat([Buffer.from(`${body.byteLength.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      open(s) {
        s.write(head)
        offset += s.write(framed)
      },
      drain(s) {
        if (offset < framed.byteLength) offset += s.write(framed.subarray(offset))
      },
      data(_s, data) {
        answer += data.toString()
        const m = /^HTTP\/1\.1 (\d{3})/.exec(answer)
        if (m) settle(Number(m[1]))
      },
      close() {
        settle(0)
      },
      error() {
        settle(0)
      },
    },
  })
  const timer = setTimeout(() => settle(-1), 30_000)
  const status = await done
  clearTimeout(timer)
  socket.end()
  return status
}

/**
 * Sends GET /health every 20 ms while `work` runs, each probe on its own (none waits for the one
 * before), and returns the longest any of them waited for its answer, in ms: a probe still waiting
 * when the work ends counts with the time it has waited so far.
 */
async function longestHealthWait<T>(work: () => Promise<T>): Promise<{ result: T; longest: number; probes: number }> {
  const probes: { started: number; answered?: number }[] = []
  const probe = () => {
    const p: { started: number; answered?: number } = { started: performance.now() }
    probes.push(p)
    fetch(`${gw.url}/health`)
      .then((res) => res.arrayBuffer())
      .then(
        () => (p.answered = performance.now()),
        () => {},
      )
  }
  // The work's request goes out first; the first probe right behind it, then one every 20 ms.
  const working = work()
  probe()
  const timer = setInterval(probe, 20)
  try {
    const result = await working
    const now = performance.now()
    // A probe without an answer yet has waited since it started.
    const longest = Math.max(0, ...probes.map((p) => (p.answered ?? now) - p.started))
    return { result, longest, probes: probes.length }
  } finally {
    clearInterval(timer)
  }
}

describe('an anonymous admin request of any size (compiled binary)', () => {
  it('answers 401 before reading the body, and the process grows by less than 10 MB', async () => {
    for (let i = 0; i < 5; i++) await (await fetch(`${gw.url}/admin/keys`)).arrayBuffer()
    Bun.gc(true)
    const before = await rssBytes()
    const json = { 'content-type': 'application/json' }
    const huge = new Uint8Array(30 * 1024 * 1024).fill(0x20)
    huge.set(Buffer.from('{"user":'), 0)
    // Wrong types, the shape that once cost 800 MB to validate.
    const wrongTypes = Buffer.from(`{"user":[${Array.from({ length: 1_500_000 }, () => '1').join(',')}],"tier":{}}`)
    expect(await rawStatus('/admin/keys', json, huge)).toBe(401)
    expect(await rawStatus('/admin/keys', json, wrongTypes)).toBe(401)
    expect(await rawStatus('/admin/keys', json, wrongTypes, true)).toBe(401)
    expect(await rawStatus('/admin/keys', { ...json, 'x-api-key': 'not-the-admin-key' }, wrongTypes)).toBe(401)
    // The gateway's other routes take at most a small body: a big one sent anyway is refused unread (413).
    for (const path of ['/v1/models', '/quota', '/docs/json', '/health', '/no-such-route', '/admin/users/u/grants', '/console/api/session']) expect(await rawStatus(path, json, huge)).toBe(413)
    expect(await rawStatus('/v1/messages', json, huge)).toBe(401)
    await Bun.sleep(200)
    const grown = (await rssBytes()) - before
    process.stderr.write(`anonymous requests of 30 MB and 3 MB: RSS ${(before / 2 ** 20).toFixed(1)} MB -> grew ${(grown / 2 ** 20).toFixed(2)} MB\n`)
    expect(grown).toBeLessThan(10 * 1024 * 1024)
    // The admin still gets in, with a body of the size a key creation has.
    const created = await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { ...json, 'x-api-key': 'admin-key-for-hostile-tests' }, body: JSON.stringify({ user: 'x', tier: 'free' }) })
    expect(created.status).toBe(201)
  }, 60_000)
})

describe('liveness while expensive requests run (compiled binary)', () => {
  const headers = { 'content-type': 'application/json', 'x-api-key': KEY }

  it('answers /health within 100 ms while count_tokens counts 100 KB of text without spaces', async () => {
    let seed = 7
    const letters = Array.from({ length: 100_000 }, () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26))).join('')
    const { result, longest, probes } = await longestHealthWait(async () => {
      const res = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: 'POST', headers, body: JSON.stringify({ model: 'qwen3-32b', messages: [{ role: 'user', content: letters }] }) })
      return { status: res.status, body: (await res.json()) as { input_tokens: number } }
    })
    process.stderr.write(`count_tokens of 100 KB without spaces: ${result.body.input_tokens} tokens; /health probes ${probes}, longest wait ${longest.toFixed(1)} ms\n`)
    expect(result.status).toBe(200)
    // The tokenizer's count (on the gateway's worker thread), not the four-characters-a-token fallback.
    const { estimateAnthropicInputTokens } = await import('../src/protocol/tokens/estimate-anthropic-input-tokens')
    expect(result.body.input_tokens).toBe(estimateAnthropicInputTokens({ messages: [{ role: 'user', content: letters }] }))
    expect(probes).toBeGreaterThan(0)
    expect(longest).toBeLessThan(100)
  }, 60_000)

  it('answers /health within 100 ms while a body nested 100,000 deep is refused with 400', async () => {
    const depth = 100_000
    for (const body of [`{"model":"qwen3-32b","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`, `{"model":"qwen3-32b","messages":[{"role":"user","content":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`]) {
      const { result, longest } = await longestHealthWait(async () => {
        const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body })
        return { status: res.status, text: await res.text() }
      })
      process.stderr.write(`body nested ${depth} deep: ${result.status}; longest /health wait ${longest.toFixed(1)} ms\n`)
      expect(result.status).toBe(400)
      expect(result.text).toContain('nested')
      expect(longest).toBeLessThan(100)
    }
  }, 60_000)
})

describe('an address that keeps failing to authenticate (compiled binary)', () => {
  it('gets 429 with retry-after for unknown keys, while a valid key still works', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': `sk-gw-guess-${i}` } })
      statuses.push(res.status)
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    // Twenty failures from this address (earlier tests of this file add theirs), then 429 only.
    const firstRefusal = statuses.indexOf(429)
    expect(firstRefusal).toBeGreaterThan(10)
    expect(firstRefusal).toBeLessThanOrEqual(20)
    expect(statuses.slice(0, firstRefusal).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true)
    expect((await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': KEY } })).status).toBe(200)
  })
})
