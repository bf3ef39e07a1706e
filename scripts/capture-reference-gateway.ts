#!/usr/bin/env bun
// Captures the answers of the reference implementation of Claude Code's gateway protocol,
// `claude gateway` (the Claude apps gateway inside the `claude` binary of @anthropic-ai/claude-code),
// into test/fixtures/reference-gateway/, so that test/sign-in-protocol.test.ts compares our shapes
// with its shapes without running it. Run once by hand when the pinned Claude Code version moves:
//
//   bun scripts/capture-reference-gateway.ts
//
// It starts everything it needs on 127.0.0.1 and stops it at the end: PostgreSQL from Debian's
// packages (scripts/install-postgres.sh; the reference keeps its state there), the real Keycloak
// of the tests with test/fixtures/keycloak/gateway-realm.json, an OTLP sink, and the reference
// gateway itself. The browser part of the sign-in goes through Keycloak's login form with an HTTP
// client (test/helpers/sign-in-browser.ts). Tokens and codes are replaced by placeholders and the
// gateway's URL by {public_url}: the fixtures hold shapes and error codes, never a credential.
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose'
import { freePort } from '../test/helpers/free-port'
import { startKeycloak } from '../test/helpers/keycloak'
import { signInThroughBrowser } from '../test/helpers/sign-in-browser'

const ROOT = resolve(import.meta.dir, '..')
const OUT = join(ROOT, 'test/fixtures/reference-gateway')
const CLAUDE = join(ROOT, '.cache/clients/node_modules/.bin/claude')
const JWT_SECRET = Buffer.from('reference-capture-signing-secret-0123456789').toString('base64')
const cleanups: (() => Promise<void> | void)[] = []

function run(cmd: string[], options: { cwd?: string } = {}): string {
  const proc = Bun.spawnSync(cmd, { cwd: options.cwd ?? ROOT, stdout: 'pipe', stderr: 'pipe' })
  if (proc.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed (${proc.exitCode}): ${proc.stderr.toString().slice(-2000)}`)
  return proc.stdout.toString()
}

async function startPostgres(): Promise<string> {
  const bin = /^PG_BIN=(.*)$/m.exec(run(['bash', join(ROOT, 'scripts/install-postgres.sh')]))?.[1]
  if (!bin) throw new Error('install-postgres.sh printed no PG_BIN')
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-ref-pg-'))
  const data = join(dir, 'data')
  mkdirSync(data)
  const port = await freePort()
  // PostgreSQL refuses to run as root: as root, its own system user runs it.
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
  if (asOwner.length > 0) {
    const uid = Number(run(['id', '-u', 'postgres']).trim())
    const gid = Number(run(['id', '-g', 'postgres']).trim())
    chownSync(dir, uid, gid)
    chownSync(data, uid, gid)
  }
  run([...asOwner, `${bin}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
  run([...asOwner, `${bin}/pg_ctl`, '-D', data, '-w', '-l', join(dir, 'postgres.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'])
  cleanups.push(() => {
    Bun.spawnSync([...asOwner, `${bin}/pg_ctl`, '-D', data, '-m', 'immediate', 'stop'])
    rmSync(dir, { recursive: true, force: true })
  })
  return `postgres://postgres@127.0.0.1:${port}/postgres`
}

interface Captured {
  status: number
  headers: Record<string, string>
  body: unknown
}

const KEPT_HEADERS = ['content-type', 'cache-control', 'etag', 'retry-after', 'x-should-retry', 'www-authenticate', 'location']
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'device_code', 'id_token'])

function scrub(value: unknown, publicUrl: string): unknown {
  if (typeof value === 'string') return value.split(publicUrl).join('{public_url}')
  if (Array.isArray(value)) return value.map((v) => scrub(v, publicUrl))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) && typeof v === 'string' ? `<${k}>` : scrub(v, publicUrl)]))
  }
  return value
}

async function capture(response: Response, publicUrl: string): Promise<Captured> {
  const headers: Record<string, string> = {}
  for (const name of KEPT_HEADERS) {
    const v = response.headers.get(name)
    if (v !== null) headers[name] = name === 'location' ? v.replace(/\?.*$/, '?…') : String(scrub(v, publicUrl))
  }
  const text = await response.text()
  let body: unknown = text
  try {
    body = text === '' ? null : JSON.parse(text)
  } catch {
    // A page keeps only what it says (the reference inlines its fonts and styles).
    const words = /<html/i.test(text) ? text.replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim() : text
    body = words.length > 600 ? `${words.slice(0, 600)}…` : words
  }
  return { status: response.status, headers, body: scrub(body, publicUrl) }
}

async function main(): Promise<void> {
  const version = run([CLAUDE, '--version']).trim()
  process.stderr.write(`reference: claude ${version}\n`)
  const postgresUrl = await startPostgres()
  const kc = await startKeycloak(join(ROOT, 'test/fixtures/keycloak/gateway-realm.json'), { timeoutMs: 240_000 })
  cleanups.push(() => kc.stop())

  const sunk: { path: string; bytes: number; contentType: string | null }[] = []
  const sink = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      sunk.push({ path: new URL(request.url).pathname, bytes: (await request.arrayBuffer()).byteLength, contentType: request.headers.get('content-type') })
      return new Response('{}', { headers: { 'content-type': 'application/json' } })
    },
  })
  cleanups.push(() => sink.stop(true))

  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  const work = mkdtempSync(join(tmpdir(), 'llmgw-ref-gw-'))
  cleanups.push(() => rmSync(work, { recursive: true, force: true }))
  const config = `listen:
  host: 127.0.0.1
  port: ${port}
  public_url: ${publicUrl}
oidc:
  issuer: ${kc.issuer('gateway')}
  client_id: claude-gateway
  client_secret: claude-gateway-test-secret
session:
  jwt_secret: ${JWT_SECRET}
store:
  postgres_url: ${postgresUrl}
upstreams:
  - provider: anthropic
    auth:
      api_key: sk-ant-reference-capture-not-a-key
managed:
  policies:
    - match: {}
      cli:
        env:
          DISABLE_UPDATES: "1"
telemetry:
  forward_to:
    - url: http://127.0.0.1:${sink.port}
`
  writeFileSync(join(work, 'gateway.yaml'), config)
  const logPath = join(work, 'gateway.log')
  const gateway = Bun.spawn([CLAUDE, 'gateway', '--config', join(work, 'gateway.yaml')], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, CLAUDE_GATEWAY_ALLOW_LOOPBACK: '1', DISABLE_AUTOUPDATER: '1' },
    stdout: Bun.file(logPath),
    stderr: Bun.file(logPath),
  })
  cleanups.push(async () => {
    gateway.kill('SIGTERM')
    await Promise.race([gateway.exited, Bun.sleep(5_000)])
    gateway.kill('SIGKILL')
  })
  let up = false
  for (let i = 0; i < 120 && gateway.exitCode === null; i++) {
    up = await fetch(`${publicUrl}/.well-known/oauth-authorization-server`).then((r) => r.ok, () => false)
    if (up) break
    await Bun.sleep(500)
  }
  if (!up) throw new Error(`the reference gateway did not come up:\n${(await Bun.file(logPath).text()).slice(-3000)}`)

  const fixtures: Record<string, Captured> = {}
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${publicUrl}${path}`, { headers, redirect: 'manual' })
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${publicUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields), redirect: 'manual' })
  const keep = async (name: string, response: Response) => {
    fixtures[name] = await capture(response, publicUrl)
    process.stderr.write(`  ${name}: ${fixtures[name]!.status}\n`)
    return fixtures[name]!
  }

  const protocol = await get('/protocol')
  writeFileSync(join(OUT, 'protocol.md'), (await protocol.text()).split(publicUrl).join('{public_url}'))
  const discovery = (await keep('discovery', await get('/.well-known/oauth-authorization-server'))).body as Record<string, string>
  const deviceEndpoint = discovery.device_authorization_endpoint!.replace('{public_url}', publicUrl)
  const tokenEndpoint = discovery.token_endpoint!.replace('{public_url}', publicUrl)
  const tokenPath = new URL(tokenEndpoint).pathname
  const devicePath = new URL(deviceEndpoint).pathname

  const deviceResponse = await form(devicePath, { surface: 'claude_code' })
  const device = (await deviceResponse.clone().json()) as { device_code: string; user_code: string; verification_uri_complete: string; interval: number }
  await keep('device-authorization', deviceResponse)
  const poll = () => form(tokenPath, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code })
  await keep('token-authorization-pending', await poll())
  await keep('token-slow-down', await poll())

  await keep('device-page', await get(new URL(device.verification_uri_complete).pathname + new URL(device.verification_uri_complete).search))
  await keep('device-cross-site', await form(new URL(device.verification_uri_complete).pathname, { user_code: device.user_code }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }))
  const browser = await signInThroughBrowser(device.verification_uri_complete, { username: 'alice', password: 'alice-password' })
  process.stderr.write(`  browser: ${browser.steps.map((s) => `${s.method} ${s.status}`).join(' -> ')}\n`)
  fixtures['callback-approved'] = await capture(new Response(browser.text, { status: browser.status, headers: { 'content-type': 'text/html' } }), publicUrl)

  await Bun.sleep((device.interval + 1) * 1000)
  const tokenResponse = await poll()
  const token = (await tokenResponse.clone().json()) as { access_token: string; refresh_token: string }
  await keep('token', tokenResponse)
  await keep('token-device-code-reused', await poll())

  const bearer = { authorization: `Bearer ${token.access_token}` }
  const settings = await keep('managed-settings', await get('/managed/settings', bearer))
  await keep('managed-settings-not-modified', await get('/managed/settings', { ...bearer, 'if-none-match': settings.headers.etag ?? '' }))
  await keep('models', await get('/v1/models', bearer))

  const refreshed = await form(tokenPath, { grant_type: 'refresh_token', refresh_token: token.refresh_token })
  await keep('token-refresh', refreshed)
  await keep('token-refresh-reused', await form(tokenPath, { grant_type: 'refresh_token', refresh_token: token.refresh_token }))
  await keep('token-refresh-unknown', await form(tokenPath, { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' }))
  await keep('token-unsupported-grant-type', await form(tokenPath, { grant_type: 'password', username: 'alice', password: 'x' }))
  await keep('token-missing-grant-type', await form(tokenPath, {}))
  await keep('token-missing-device-code', await form(tokenPath, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }))
  await keep('token-unknown-device-code', await form(tokenPath, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x'.repeat(43) }))

  // An expired bearer: the token's own claims, signed with the same secret, an hour in the past.
  const claims = decodeJwt(token.access_token)
  const header = decodeProtectedHeader(token.access_token)
  const past = Math.floor(Date.now() / 1000) - 7200
  const expired = await new SignJWT({ ...claims, iat: past, exp: past + 3600 }).setProtectedHeader({ ...header, alg: header.alg ?? 'HS256' }).sign(Buffer.from(JWT_SECRET, 'base64'))
  await keep('bearer-expired-messages', await fetch(`${publicUrl}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${expired}`, 'content-type': 'application/json' }, body: '{"model":"claude-3-5-haiku-latest","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}' }))
  await keep('bearer-expired-managed-settings', await get('/managed/settings', { authorization: `Bearer ${expired}` }))
  const [h, p, s] = token.access_token.split('.') as [string, string, string]
  await keep('bearer-tampered', await get('/managed/settings', { authorization: `Bearer ${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}` }))
  await keep('bearer-missing-messages', await fetch(`${publicUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
  await keep('bearer-missing-managed-settings', await get('/managed/settings'))
  await keep('messages-too-large', await fetch(`${publicUrl}/v1/messages`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: `{"model":"x","messages":[],"pad":"${'a'.repeat(64 * 1024 * 1024)}"}` }))
  await keep('telemetry-metrics', await fetch(`${publicUrl}/v1/metrics`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' }))
  await keep('telemetry-unauthenticated', await fetch(`${publicUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' }))

  // A flood of device requests from one address: where the reference starts refusing, and how.
  const statuses: number[] = []
  let limited: Response | null = null
  for (let i = 0; i < 60 && limited === null; i++) {
    const r = await form(devicePath, { surface: 'claude_code' })
    statuses.push(r.status)
    if (r.status !== 200) limited = r
    else await r.arrayBuffer()
  }
  if (limited) await keep('device-authorization-flood', limited)

  await Bun.sleep(1_000)
  // The URL the placeholders stand for: the checksums of managed settings were computed over it.
  const meta = { claude_code: version, captured_at: new Date().toISOString(), public_url: publicUrl, device_flood_statuses: statuses, otlp_forwarded: sunk }
  mkdirSync(OUT, { recursive: true })
  for (const [name, value] of Object.entries(fixtures)) writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`)
  writeFileSync(join(OUT, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
  process.stderr.write(`wrote ${Object.keys(fixtures).length} fixtures to ${OUT}\n`)
}

try {
  mkdirSync(OUT, { recursive: true })
  await main()
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
}
