// Sign-in through the gateway (Claude Code's gateway protocol) against a REAL Keycloak
// (test/helpers/keycloak.ts, realm test/fixtures/keycloak/gateway-realm.json with the confidential
// client `claude-gateway`): the device flow with the browser part done through Keycloak's own
// login form, the minted tokens on every route, refusals with the protocol's envelopes, refresh
// against Keycloak (disabled user, role change), two gateway processes on one real Redis, and the
// bad-input list. The LLM upstream is the scripted fake speaking the real wire formats
// (test/helpers/fake-scripted-upstream.ts): only it is faked.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { decodeJwt } from 'jose'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { deriveSessionKeys } from '../src/auth/sessions/session-keys'
import { createSessionTokens } from '../src/auth/sessions/session-tokens'
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { freePort } from './helpers/free-port'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { authorizeDevice, DEVICE_CODE_GRANT, deviceSignIn, pollToken, postForm, refreshToken, type TokenAnswer } from './helpers/device-sign-in'
import { startKeycloak, type RunningKeycloak } from './helpers/keycloak'
import { startRedis, type RunningRedis } from './helpers/redis-server'
import { createBrowser, signInThroughBrowser } from './helpers/sign-in-browser'
import { DEVICE_AUTHORIZATIONS_PER_MINUTE, VERIFICATIONS_PER_MINUTE } from '../src/http/routes/sign-in/sign-in-routes'
import { settingsChecksum } from '../src/http/routes/managed-settings-routes'
import { shapeOf } from './helpers/json-shape'
import { waitFor } from './helpers/wait-for'

const ROOT = resolve(import.meta.dir, '..')
const REFERENCE = join(ROOT, 'test/fixtures/reference-gateway')
const SIGNING_KEY = 'sign-in-test-signing-key-0123456789abcdef'
const CLIENT = { client_id: 'claude-gateway', client_secret: 'claude-gateway-test-secret' }

let kc: RunningKeycloak
let up: ScriptedUpstream
let gw: { url: string; stop(): Promise<void> }

function signInConfig(publicUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    server: { public_url: publicUrl },
    auth: { keycloak: { issuer: kc.issuer('gateway'), ...CLIENT }, sessions: { signing_key: SIGNING_KEY } },
    backends: { internal: { format: 'openai', base_url: `${up.url}/v1` }, claude: { format: 'anthropic', base_url: up.url } },
    models: {
      'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B' },
      'claude-3-haiku': { backend: 'claude', upstream_model: 'claude-3-haiku-20240307' },
    },
    tiers: {
      free: { daily_requests: 50, models: ['qwen3-32b'], routes: { 'claude-*': 'qwen3-32b' }, managed_settings: { env: { DISABLE_UPDATES: '1' } } },
      pro: { daily_requests: 500, models: ['qwen3-32b', 'claude-3-haiku'], routes: { 'claude-*': 'claude-3-haiku' } },
    },
    ...overrides,
  }
}

async function startSignInGateway(overrides: Record<string, unknown> = {}) {
  const port = await freePort()
  return listenTestGateway(testConfig(signInConfig(`http://127.0.0.1:${port}`, overrides)), { port })
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const message = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }

beforeAll(async () => {
  ;[kc, up] = await Promise.all([startKeycloak(join(ROOT, 'test/fixtures/keycloak/gateway-realm.json'), { timeoutMs: 240_000 }), Promise.resolve(startScriptedUpstream())])
  gw = await startSignInGateway()
}, 300_000)

afterAll(async () => {
  await gw?.stop()
  await up?.stop()
  await kc?.stop()
}, 60_000)

describe('sign-in through the gateway with the device flow and Keycloak', () => {
  let alice: TokenAnswer

  it('signs a Keycloak user in through the real login form and mints tokens for them', async () => {
    alice = await deviceSignIn(gw.url, 'alice')
    expect(alice.token_type).toBe('Bearer')
    expect(alice.expires_in).toBe(3600)
    expect(alice.refresh_token).toMatch(/^gwrt_/)
    const claims = decodeJwt(alice.access_token)
    expect(claims).toMatchObject({ iss: gw.url, name: 'alice', tier: 'free' })
  }, 60_000)

  it('accepts the same token on /v1/messages, count_tokens, /v1/chat/completions, /v1/models, /quota and /managed/settings', async () => {
    const h = bearer(alice.access_token)
    const from = up.received.length
    const messages = await fetch(`${gw.url}/v1/messages`, json(message, h))
    expect(messages.status).toBe(200)
    expect(messages.headers.get('x-gateway-routed-model')).toBe('qwen3-32b')
    expect(up.received.slice(from).map((r) => [r.path, r.body.model])).toEqual([['/v1/chat/completions', 'Qwen/Qwen3-32B']])
    // The doubled prefix of a base URL set to .../v1.
    expect((await fetch(`${gw.url}/v1/v1/messages`, json(message, h))).status).toBe(200)
    expect((await fetch(`${gw.url}/v1/messages/count_tokens`, json({ model: 'claude-sonnet-4-5', messages: message.messages }, h))).status).toBe(200)
    expect((await fetch(`${gw.url}/v1/chat/completions`, json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, h))).status).toBe(200)
    const models = (await (await fetch(`${gw.url}/v1/models`, { headers: h })).json()) as { data: { id: string }[] }
    expect(models.data.map((m) => m.id)).toEqual(['qwen3-32b'])
    const quota = (await (await fetch(`${gw.url}/quota`, { headers: h })).json()) as Record<string, unknown>
    expect(quota).toMatchObject({ tier: 'free', limit: 50, used: 3 })
    expect(quota.user).toBe(decodeJwt(alice.access_token).sub!)
    const settings = await fetch(`${gw.url}/managed/settings`, { headers: h })
    expect(settings.status).toBe(200)
    expect(((await settings.json()) as { settings: { env: Record<string, string> } }).settings.env).toEqual({ CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1', DISABLE_UPDATES: '1' })
  })

  it("refuses another gateway's token, an expired one and a tampered one with 401 authentication_error and x-should-retry: false", async () => {
    const payload = decodeJwt(alice.access_token)
    const subject = { user: payload.sub!, name: 'alice', tier: 'enterprise', sessionId: String(payload.sid) }
    const other = createSessionTokens({ keys: async () => deriveSessionKeys('another-gateway-signing-key-0123456789'), issuer: gw.url, ttlS: 3600 })
    const ours = (now: number) => createSessionTokens({ keys: async () => deriveSessionKeys(SIGNING_KEY), issuer: gw.url, ttlS: 3600, now: () => now })
    const [h, p, s] = alice.access_token.split('.') as [string, string, string]
    const raised = Buffer.from(JSON.stringify({ ...payload, tier: 'enterprise' })).toString('base64url')
    const cases = {
      'another gateway': await other.mint(subject),
      expired: await ours(Date.now() - 2 * 3600_000).mint(subject),
      tampered: `${h}.${raised}.${s}`,
    }
    for (const [what, token] of Object.entries(cases)) {
      const response = await fetch(`${gw.url}/v1/messages`, json(message, bearer(token)))
      expect({ what, status: response.status, retry: response.headers.get('x-should-retry') }).toEqual({ what, status: 401, retry: 'false' })
      const body = (await response.json()) as { type: string; error: { type: string; message: string } }
      expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
      expect(body.error.message).toBe(what === 'expired' ? 'token expired' : 'invalid token signature')
      const settings = await fetch(`${gw.url}/managed/settings`, { headers: bearer(token) })
      expect(settings.status).toBe(401)
      expect(await settings.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    }
  })

  it('rotates the refresh token and refuses one used twice with 401 invalid_grant, ending that session', async () => {
    const first = await deviceSignIn(gw.url, 'alice')
    const refreshed = await refreshToken(gw.url, first.refresh_token)
    expect(refreshed.status).toBe(200)
    expect(refreshed.headers.get('cache-control')).toBe('no-store')
    const second = (await refreshed.json()) as TokenAnswer
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect((await fetch(`${gw.url}/quota`, { headers: bearer(second.access_token) })).status).toBe(200)

    const replay = await refreshToken(gw.url, first.refresh_token)
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    // The replay ended the session: the token the legitimate holder got is refused as well.
    expect((await refreshToken(gw.url, second.refresh_token)).status).toBe(401)
  }, 60_000)

  it('refuses a refresh once the user is disabled in Keycloak', async () => {
    const frank = await deviceSignIn(gw.url, 'frank')
    const [user] = (await (await kc.admin('/gateway/users?username=frank&exact=true')).json()) as { id: string }[]
    await kc.admin(`/gateway/users/${user!.id}`, { method: 'PUT', body: JSON.stringify({ enabled: false }) })
    try {
      const refused = await refreshToken(gw.url, frank.refresh_token)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' })
    } finally {
      await kc.admin(`/gateway/users/${user!.id}`, { method: 'PUT', body: JSON.stringify({ enabled: true }) })
    }
  }, 60_000)

  it('shows a role change from free to pro at the next refresh', async () => {
    const grace = await deviceSignIn(gw.url, 'grace')
    expect(decodeJwt(grace.access_token).tier).toBe('free')
    const [user] = (await (await kc.admin('/gateway/users?username=grace&exact=true')).json()) as { id: string }[]
    const pro = await (await kc.admin('/gateway/roles/tier-pro')).json()
    await kc.admin(`/gateway/users/${user!.id}/role-mappings/realm`, { method: 'POST', body: JSON.stringify([pro]) })
    // The access token in hand keeps its tier until it is refreshed.
    expect(((await (await fetch(`${gw.url}/quota`, { headers: bearer(grace.access_token) })).json()) as { tier: string }).tier).toBe('free')
    const refreshed = (await (await refreshToken(gw.url, grace.refresh_token)).json()) as TokenAnswer
    const h = bearer(refreshed.access_token)
    expect(((await (await fetch(`${gw.url}/quota`, { headers: h })).json()) as { tier: string }).tier).toBe('pro')
    const from = up.received.length
    const answer = await fetch(`${gw.url}/v1/messages`, json(message, h))
    expect(answer.headers.get('x-gateway-routed-model')).toBe('claude-3-haiku')
    expect(up.received.slice(from).map((r) => [r.path, r.body.model])).toEqual([['/v1/messages', 'claude-3-haiku-20240307']])
  }, 60_000)
})

describe('two gateway processes on one Redis', () => {
  let redis: RunningRedis
  const procs: ReturnType<typeof Bun.spawn>[] = []
  let dir: string

  beforeAll(async () => {
    redis = await startRedis()
    dir = mkdtempSync(join(tmpdir(), 'llmgw-replicas-'))
  })
  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A real `llm-gateway serve` process; no signing key configured, so the replicas must agree on the one kept in Redis. */
  async function replica(port: number, publicUrl: string): Promise<string> {
    const config = signInConfig(publicUrl, { store: { redis_url: redis.url } })
    ;(config.auth as { sessions: unknown }).sessions = {}
    const file = join(dir, `gateway-${port}.json`)
    writeFileSync(file, JSON.stringify({ ...config, server: { ...config.server, host: '127.0.0.1', port, metrics_port: await freePort() } }))
    const proc = Bun.spawn(['bun', join(ROOT, 'src/main.ts'), 'serve', '--config', file], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn' }, stdout: 'ignore', stderr: 'inherit' })
    procs.push(proc)
    const url = `http://127.0.0.1:${port}`
    expect(await waitFor(() => fetch(`${url}/health`).then((r) => r.ok, () => false), 30_000, 100)).toBe(true)
    return url
  }

  it('approves on one, redeems and refreshes on the other; a refresh token used on one is refused on the other', async () => {
    const [portA, portB] = [await freePort(), await freePort()]
    // Behind one Service both answer at the same public URL; the browser reaches it through A.
    const a = await replica(portA, `http://127.0.0.1:${portA}`)
    const b = await replica(portB, `http://127.0.0.1:${portA}`)
    const tokens = await deviceSignIn(a, 'bob', { redeemAt: b })
    // B minted it; A accepts it (one key, kept in Redis).
    expect(((await (await fetch(`${a}/quota`, { headers: bearer(tokens.access_token) })).json()) as { tier: string }).tier).toBe('pro')
    const refreshed = await refreshToken(b, tokens.refresh_token)
    expect(refreshed.status).toBe(200)
    const next = (await refreshed.json()) as TokenAnswer
    expect((await refreshToken(a, tokens.refresh_token)).status).toBe(401)
    expect((await fetch(`${a}/v1/models`, { headers: bearer(next.access_token) })).status).toBe(200)
  }, 90_000)
})

describe('bad input to the sign-in endpoints: the RFC errors or a 4xx, and nothing approved', () => {
  const token = (fields: Record<string, string>) => postForm(`${gw.url}/oauth/token`, fields)
  const errorOf = async (r: Response) => ({ status: r.status, body: (await r.json()) as { error: string } })

  it('answers unknown device codes, wrong grant types and missing fields with OAuth errors', async () => {
    expect(await errorOf(await token({ grant_type: DEVICE_CODE_GRANT, device_code: 'nope' }))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(await errorOf(await token({ grant_type: 'password', username: 'alice', password: 'alice-password' }))).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } })
    expect(await errorOf(await token({ grant_type: 'authorization_code', code: 'x' }))).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } })
    expect(await errorOf(await token({}))).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(await errorOf(await token({ grant_type: DEVICE_CODE_GRANT }))).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(await errorOf(await token({ grant_type: 'refresh_token' }))).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    expect(await errorOf(await token({ grant_type: 'refresh_token', refresh_token: 'gwrt_forged' }))).toMatchObject({ status: 401, body: { error: 'invalid_grant' } })
    const asJson = await fetch(`${gw.url}/oauth/token`, json({ grant_type: 'refresh_token', refresh_token: 'x' }))
    expect(await errorOf(asJson)).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    const huge = await fetch(`${gw.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${'a'.repeat(64 * 1024)}` })
    expect(await errorOf(huge)).toMatchObject({ status: 413, body: { error: 'invalid_request' } })
  })

  it('answers slow_down to a client polling sooner than the interval', async () => {
    const device = await authorizeDevice(gw.url)
    expect((await errorOf(await pollToken(gw.url, device.device_code))).body.error).toBe('authorization_pending')
    const fast = await pollToken(gw.url, device.device_code)
    expect(await errorOf(fast)).toMatchObject({ status: 429, body: { error: 'slow_down' } })
  })

  it('never approves a pre-filled code, a cross-site form post, a forged state or a callback without a session', async () => {
    const device = await authorizeDevice(gw.url)
    const pending = async () => (await errorOf(await pollToken(gw.url, device.device_code))).body.error
    // Opening the link shows the code; nothing more.
    const page = await fetch(device.verification_uri_complete)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(`value="${device.user_code}"`)
    expect(await pending()).toBe('authorization_pending')

    const crossSite = await postForm(`${gw.url}/device`, { user_code: device.user_code }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    const noSignal = await postForm(`${gw.url}/device`, { user_code: device.user_code })
    expect(noSignal.status).toBe(403)

    // A real start of the sign-in, then a callback whose state is not the one sent to Keycloak.
    const browser = createBrowser()
    const started = await browser.request(`${gw.url}/device`, { method: 'POST', form: new URLSearchParams({ user_code: device.user_code, action: 'approve' }), headers: { origin: gw.url } })
    expect(started.status).toBe(303)
    const location = new URL(started.headers.get('location')!)
    expect(location.origin).toBe(new URL(kc.url).origin)
    expect(location.searchParams.get('code_challenge_method')).toBe('S256')
    expect(location.searchParams.get('scope')).toBe('openid offline_access')
    const forged = await browser.request(`${gw.url}/oauth/callback?state=forged&code=anything`)
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('does not belong to this sign-in')
    const noSession = await fetch(`${gw.url}/oauth/callback?state=${location.searchParams.get('state')}&code=anything`)
    expect(noSession.status).toBe(400)
    expect(await noSession.text()).toContain('No sign-in in progress')
    await Bun.sleep(device.interval * 1000)
    expect(await pending()).toBe('authorization_pending')
  }, 30_000)

  it('tells the terminal access_denied when the developer says it was not them', async () => {
    const device = await authorizeDevice(gw.url)
    const result = await signInThroughBrowser(device.verification_uri_complete, { username: 'alice', password: 'alice-password', action: 'deny' })
    expect(result.status).toBe(200)
    expect(await errorOf(await pollToken(gw.url, device.device_code))).toMatchObject({ status: 400, body: { error: 'access_denied' } })
  })

  it('limits device requests and form submissions per client address', async () => {
    const fresh = await startSignInGateway()
    try {
      const statuses: number[] = []
      for (let i = 0; i < DEVICE_AUTHORIZATIONS_PER_MINUTE + 10; i++) statuses.push((await postForm(`${fresh.url}/oauth/device_authorization`, { surface: 'claude_code' })).status)
      expect(statuses.slice(0, DEVICE_AUTHORIZATIONS_PER_MINUTE).every((s) => s === 200)).toBe(true)
      expect(statuses.slice(DEVICE_AUTHORIZATIONS_PER_MINUTE).every((s) => s === 429)).toBe(true)
      const limited = await postForm(`${fresh.url}/oauth/device_authorization`, {})
      expect(await limited.json()).toMatchObject({ error: 'slow_down' })
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
      // Guessing user codes on the form is limited the same way.
      const guesses: number[] = []
      for (let i = 0; i < VERIFICATIONS_PER_MINUTE + 5; i++) guesses.push((await postForm(`${fresh.url}/device`, { user_code: 'BCDF-GHJK' }, { origin: fresh.url })).status)
      expect(guesses.slice(0, VERIFICATIONS_PER_MINUTE).every((s) => s === 400)).toBe(true)
      expect(guesses.slice(VERIFICATIONS_PER_MINUTE).every((s) => s === 429)).toBe(true)
    } finally {
      await fresh.stop()
    }
  })
})

/** An answer captured from Claude Code's own gateway by scripts/capture-reference-gateway.ts. */
interface Captured {
  status: number
  headers: Record<string, string>
  body: any
}
const reference = (name: string) => JSON.parse(readFileSync(join(REFERENCE, `${name}.json`), 'utf8')) as Captured
/** Our answer as the capture script records the reference's: the public URL as a placeholder, tokens and codes named. */
async function ours(response: Response): Promise<Captured> {
  const text = await response.text()
  const scrub = (v: unknown): unknown =>
    typeof v === 'string' ? v.split(gw.url).join('{public_url}') : Array.isArray(v) ? v.map(scrub) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ['access_token', 'refresh_token', 'device_code'].includes(k) ? `<${k}>` : scrub(x)])) : v
  return { status: response.status, headers: Object.fromEntries(response.headers), body: text === '' ? null : scrub(JSON.parse(text)) }
}

describe("the answers have the shapes of Claude Code's own gateway (fixtures captured from `claude gateway`)", () => {
  it('discovery: the same document (no scopes_supported: the gateway takes no scope)', async () => {
    const { scopes_supported: _, ...expected } = reference('discovery').body
    expect((await ours(await fetch(`${gw.url}/.well-known/oauth-authorization-server`))).body).toEqual(expected)
  })

  it('device authorization, token and refresh answers: the same fields and types, the same lifetimes', async () => {
    const device = await ours(await postForm(`${gw.url}/oauth/device_authorization`, { surface: 'claude_code' }))
    const ref = reference('device-authorization')
    expect(shapeOf(device.body)).toEqual(shapeOf(ref.body))
    // The same XXXX-XXXX form; ours from RFC 8628's base-20 alphabet exactly (the reference's has a Y).
    expect(ref.body.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/)
    expect(device.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    expect({ ...device.body, user_code: 'X', verification_uri_complete: 'X' }).toEqual({ ...ref.body, user_code: 'X', verification_uri_complete: 'X' })
    expect(device.headers['cache-control']).toBe(ref.headers['cache-control']!)

    const tokens = await deviceSignIn(gw.url, 'alice')
    const refreshed = await ours(await refreshToken(gw.url, tokens.refresh_token))
    for (const [mine, theirs] of [[{ status: 200, body: { ...tokens, access_token: '<access_token>', refresh_token: '<refresh_token>' } }, reference('token')], [refreshed, reference('token-refresh')]] as const) {
      expect(mine.status).toBe(theirs.status)
      expect(mine.body).toEqual(theirs.body)
    }
  }, 60_000)

  it('OAuth errors: the codes and statuses the reference answers, and better ones where it answers wrongly', async () => {
    const device = await authorizeDevice(gw.url)
    const cases: [string, Record<string, string>, string][] = [
      ['token-authorization-pending', { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code }, 'same'],
      ['token-slow-down', { grant_type: DEVICE_CODE_GRANT, device_code: device.device_code }, 'same'],
      ['token-unsupported-grant-type', { grant_type: 'password', username: 'alice', password: 'x' }, 'same'],
      ['token-missing-device-code', { grant_type: DEVICE_CODE_GRANT }, 'same'],
      ['token-refresh-unknown', { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' }, 'same'],
      // RFC 6749 5.2: a missing parameter is invalid_request (the reference says unsupported_grant_type).
      ['token-missing-grant-type', {}, 'invalid_request'],
      // An unknown code never expired (the reference says expired_token): invalid_grant, RFC 6749 5.2.
      ['token-unknown-device-code', { grant_type: DEVICE_CODE_GRANT, device_code: 'x'.repeat(43) }, 'invalid_grant'],
    ]
    for (const [name, form, expected] of cases) {
      const mine = await ours(await postForm(`${gw.url}/oauth/token`, form))
      const theirs = reference(name)
      expect({ name, status: mine.status, error: mine.body.error }).toEqual({ name, status: theirs.status, error: expected === 'same' ? theirs.body.error : expected })
      expect(mine.headers['cache-control']).toBe('no-store')
      expect(mine.headers['content-type']).toStartWith('application/json')
    }
    // Refusing a used refresh token is where the reference passes Keycloak's own through and accepts it again.
    expect(reference('token-refresh-reused').status).toBe(200)
  })

  it('managed settings: the {uuid, checksum, settings} envelope, its checksum computed as the reference computes it, the quoted checksum as ETag, 304', async () => {
    const ref = reference('managed-settings')
    const meta = JSON.parse(readFileSync(join(REFERENCE, 'meta.json'), 'utf8')) as { public_url: string }
    // The reference's own checksum, recomputed by ours over its settings (with its URL put back).
    const settings = JSON.parse(JSON.stringify(ref.body.settings).split('{public_url}').join(meta.public_url)) as Record<string, unknown>
    expect(settingsChecksum(settings)).toBe(ref.body.checksum)

    const tokens = await deviceSignIn(gw.url, 'alice')
    const mine = await ours(await fetch(`${gw.url}/managed/settings`, { headers: bearer(tokens.access_token) }))
    expect(shapeOf({ ...mine.body, settings: {} })).toEqual(shapeOf({ ...ref.body, settings: {} }))
    expect(mine.headers.etag).toBe(`"${mine.body.checksum}"`)
    expect(ref.headers.etag).toBe(`"${ref.body.checksum}"`)
    expect(mine.body.uuid).toBe(mine.body.checksum)
    expect(ref.body.uuid).toBe(ref.body.checksum)
    const again = await fetch(`${gw.url}/managed/settings`, { headers: { ...bearer(tokens.access_token), 'if-none-match': mine.headers.etag! } })
    expect(again.status).toBe(reference('managed-settings-not-modified').status)
  }, 60_000)

  it("bearer errors: the Anthropic envelope and type the reference sends, with x-should-retry: false, which it does not send", async () => {
    for (const [name, request] of [
      ['bearer-missing-messages', () => fetch(`${gw.url}/v1/messages`, json(message))],
      ['bearer-missing-managed-settings', () => fetch(`${gw.url}/managed/settings`)],
      ['telemetry-unauthenticated', () => fetch(`${gw.url}/v1/metrics`, json({ resourceMetrics: [] }))],
    ] as const) {
      const theirs = reference(name)
      const mine = await ours(await request())
      expect({ name, status: mine.status }).toEqual({ name, status: theirs.status })
      // The reference adds request_id to the body; the gateway sends it in the request-id header.
      const { request_id: _, ...theirBody } = theirs.body
      expect(shapeOf(mine.body)).toEqual(shapeOf(theirBody))
      expect(mine.body.error.type).toBe(theirBody.error.type)
      expect(mine.headers['x-should-retry']).toBe('false')
      expect(theirs.headers['x-should-retry']).toBeUndefined()
      expect(mine.headers['request-id']).toBeString()
    }
  })

  it('oversized bodies: a JSON 413 in the client\'s error shape, where the reference answers plain text', async () => {
    const theirs = reference('messages-too-large')
    expect(theirs.headers['content-type']).toStartWith('text/plain')
    const tokens = await deviceSignIn(gw.url, 'alice')
    const big = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { ...bearer(tokens.access_token), 'content-type': 'application/json' }, body: `{"model":"x","messages":[],"pad":"${'a'.repeat(33 * 1024 * 1024)}"}` })
    expect(big.status).toBe(theirs.status)
    expect(await big.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
  }, 60_000)
})
