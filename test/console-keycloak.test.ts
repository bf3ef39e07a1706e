// The console's sign-in through a REAL Keycloak (test/helpers/keycloak.ts, realm
// test/fixtures/keycloak/gateway-realm.json, confidential client `claude-gateway`), over HTTP as a
// browser does it: the authorization-code flow from the console's button through Keycloak's own
// login form back to the one callback, a console session with the tier the user's role maps to and
// the admin role, counted in the same `keycloak:` namespace as the user's tokens; the session
// re-checked against Keycloak (disabled user, Keycloak sign-out, role change, Keycloak unreachable);
// sign-out; and the hostile callbacks (forged state, no transaction, replayed code, another
// browser's callback). The LLM upstream is the fake speaking the real wire formats: only it is faked.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join, resolve } from 'node:path'
import { deviceSignIn } from './helpers/device-sign-in'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { freePort } from './helpers/free-port'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { startKeycloak, type RunningKeycloak } from './helpers/keycloak'
import { createBrowser, parseForm } from './helpers/sign-in-browser'
import { startTcpRelay, type TcpRelay } from './helpers/tcp-relay'

const ROOT = resolve(import.meta.dir, '..')
const RECHECK_S = 2
const ADMIN = 'admin-key-console-keycloak'

let kc: RunningKeycloak
let up: FakeUpstream
type Gateway = Awaited<ReturnType<typeof startGateway>>
let gw: Gateway

async function startGateway(issuer: string) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config = testConfig({
    server: { public_url: url },
    auth: {
      admin_key: ADMIN,
      keycloak: { issuer, client_id: 'claude-gateway', client_secret: 'claude-gateway-test-secret' },
      sessions: { signing_key: 'console-keycloak-test-signing-key-0123456789', console_recheck_s: RECHECK_S },
    },
    backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
    models: { 'qwen3-32b': { backend: 'internal' } },
    tiers: { free: { daily_requests: 10, models: ['*'] }, pro: { daily_requests: 100, models: ['*'] }, enterprise: { daily_requests: 1000, models: ['*'] } },
  })
  const listening = listenTestGateway(config, { port })
  return { ...listening, origin: url }
}

beforeAll(async () => {
  up = startFakeUpstream()
  kc = await startKeycloak(join(ROOT, 'test/fixtures/keycloak/gateway-realm.json'), { timeoutMs: 240_000 })
  gw = await startGateway(kc.issuer('gateway'))
}, 300_000)

afterAll(async () => {
  await gw?.stop()
  await up?.stop()
  await kc?.stop()
}, 60_000)

interface ReachedCallback {
  browser: ReturnType<typeof createBrowser>
  /** The authorization request the console's button led to. */
  authorization: URL
  /** Where Keycloak sends the browser back, with its code and state. */
  callbackUrl: string
  /** The sealed transaction cookie's value. */
  transaction: string
}

/** The console's button, Keycloak's login form, up to (not into) the callback. */
async function reachCallback(gateway: Gateway, username: string): Promise<ReachedCallback> {
  const browser = createBrowser()
  const startUrl = `${gateway.origin}/console/sign-in/keycloak`
  const start = await browser.request(startUrl)
  expect(start.status).toBe(303)
  const authorization = new URL(start.headers.get('location')!)
  const { response, url } = await browser.follow(start, startUrl)
  const html = await response.text()
  const login = parseForm(html, url, 'kc-form-login')
  if (!login) throw new Error(`no Keycloak login form at ${url} (${response.status}): ${html.slice(0, 300)}`)
  const form = new URLSearchParams(login.fields)
  form.set('username', username)
  form.set('password', `${username}-password`)
  const posted = await browser.request(login.action, { method: 'POST', form, headers: { origin: new URL(url).origin, referer: url } })
  expect(posted.status).toBe(302)
  const transaction = browser.jars.get(gateway.origin)?.get('llmgw_signin')
  if (!transaction) throw new Error('the console sign-in set no transaction cookie')
  return { browser, authorization, callbackUrl: posted.headers.get('location')!, transaction }
}

interface ConsoleSessionBody {
  user: string
  name: string | null
  tier: string
  admin: boolean
  method: string
  csrf_token: string
}

/** A whole sign-in: the callback's answer, the session cookie it set, and who the session is. */
async function consoleSignIn(gateway: Gateway, username: string) {
  const reached = await reachCallback(gateway, username)
  const back = await reached.browser.request(reached.callbackUrl)
  const id = reached.browser.jars.get(gateway.origin)?.get('llmgw_session')
  if (back.status !== 303 || !id) throw new Error(`callback answered ${back.status}: ${(await back.text()).slice(0, 300)}`)
  const cookie = `llmgw_session=${id}`
  const session = (await (await fetch(`${gateway.origin}/console/api/session`, { headers: { cookie } })).json()) as ConsoleSessionBody
  return { ...reached, back, cookie, session }
}

const sessionStatus = async (gateway: Gateway, cookie: string) => (await fetch(`${gateway.origin}/console/api/session`, { headers: { cookie } })).status
const sessionCookiesOf = (response: Response) => response.headers.getSetCookie().filter((c) => c.startsWith('llmgw_session='))

async function keycloakUser(username: string): Promise<string> {
  const [user] = (await (await kc.admin(`/gateway/users?username=${username}&exact=true`)).json()) as { id: string }[]
  return user!.id
}

describe('console sign-in through the real Keycloak login page', () => {
  it('offers the button only where sign-in is configured, and sends it to Keycloak with PKCE, the openid scope and the one callback', async () => {
    expect(await (await fetch(`${gw.origin}/console/api/sign-in-options`)).json()).toEqual({ key: true, keycloak: '/console/sign-in/keycloak' })
    const start = await fetch(`${gw.origin}/console/sign-in/keycloak`, { redirect: 'manual' })
    expect(start.status).toBe(303)
    const location = new URL(start.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe(`${kc.issuer('gateway')}/protocol/openid-connect/auth`)
    expect(Object.fromEntries([...location.searchParams].filter(([k]) => !['state', 'nonce', 'code_challenge'].includes(k)))).toEqual({
      response_type: 'code',
      client_id: 'claude-gateway',
      redirect_uri: `${gw.origin}/oauth/callback`,
      scope: 'openid',
      code_challenge_method: 'S256',
    })
    expect(start.headers.get('set-cookie')).toMatch(/^llmgw_signin=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/)
  })

  it('signs a developer in and opens a console session with the tier their role maps to, in an HttpOnly SameSite=Strict cookie', async () => {
    const bob = await consoleSignIn(gw, 'bob')
    expect(bob.back.headers.get('location')).toBe('/console/')
    const cookies = bob.back.headers.getSetCookie()
    expect(sessionCookiesOf(bob.back)).toEqual([expect.stringMatching(/^llmgw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/)])
    // The transaction is spent: its cookie is cleared.
    expect(cookies).toContain('llmgw_signin=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0')
    expect(bob.session).toMatchObject({ name: 'bob', tier: 'pro', admin: false, method: 'keycloak' })
    expect(bob.session.user).toBe(await keycloakUser('bob'))
    // Nothing of Keycloak's tokens reaches the browser.
    expect(cookies.join('\n')).not.toMatch(/eyJ/)
    const account = (await (await fetch(`${gw.origin}/account`, { headers: { cookie: bob.cookie } })).json()) as Record<string, unknown>
    expect(account).toMatchObject({ user: bob.session.user, tier: 'pro', admin: false })
    // The operator's routes are not for a developer.
    expect((await fetch(`${gw.origin}/admin/usage`, { headers: { cookie: bob.cookie } })).status).toBe(403)
  }, 60_000)

  it("counts the console's user in the keycloak: namespace: /quota through the cookie shows the requests their minted token made", async () => {
    const henry = await consoleSignIn(gw, 'henry')
    const token = await deviceSignIn(gw.origin, 'henry')
    for (let i = 0; i < 2; i++) {
      const answer = await fetch(`${gw.origin}/v1/chat/completions`, json({ model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${token.access_token}` }))
      expect(answer.status).toBe(200)
    }
    const quota = (await (await fetch(`${gw.origin}/quota`, { headers: { cookie: henry.cookie } })).json()) as Record<string, unknown>
    expect(quota).toMatchObject({ user: henry.session.user, tier: 'pro', limit: 100, used: 2 })
  }, 60_000)

  it('gives a user with the admin realm role the operator routes through the cookie', async () => {
    const root = await consoleSignIn(gw, 'root')
    expect(root.session).toMatchObject({ name: 'root', tier: 'pro', admin: true, method: 'keycloak' })
    const today = new Date().toISOString().slice(0, 10)
    expect((await fetch(`${gw.origin}/admin/usage?from=${today}&to=${today}&group_by=user`, { headers: { cookie: root.cookie } })).status).toBe(200)
  }, 60_000)

  it('signs out with the CSRF token only, and then the session is gone', async () => {
    const alice = await consoleSignIn(gw, 'alice')
    expect(alice.session.tier).toBe('free')
    const noToken = await fetch(`${gw.origin}/console/api/session`, { method: 'DELETE', headers: { cookie: alice.cookie } })
    expect(noToken.status).toBe(403)
    const out = await fetch(`${gw.origin}/console/api/session`, { method: 'DELETE', headers: { cookie: alice.cookie, 'x-csrf-token': alice.session.csrf_token } })
    expect(out.status).toBe(200)
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
    expect(await sessionStatus(gw, alice.cookie)).toBe(401)
  }, 60_000)
})

describe("the console session follows Keycloak, asked again after auth.sessions.console_recheck_s", () => {
  it('ends within that time for a user disabled in Keycloak', async () => {
    const frank = await consoleSignIn(gw, 'frank')
    const id = await keycloakUser('frank')
    await kc.admin(`/gateway/users/${id}`, { method: 'PUT', body: JSON.stringify({ enabled: false }) })
    try {
      await Bun.sleep(RECHECK_S * 1000 + 200)
      expect(await sessionStatus(gw, frank.cookie)).toBe(401)
      expect((await fetch(`${gw.origin}/quota`, { headers: { cookie: frank.cookie } })).status).toBe(401)
    } finally {
      await kc.admin(`/gateway/users/${id}`, { method: 'PUT', body: JSON.stringify({ enabled: true }) })
    }
  }, 60_000)

  it('ends within that time once the user is signed out of Keycloak', async () => {
    const erin = await consoleSignIn(gw, 'erin')
    expect(erin.session.tier).toBe('enterprise')
    await kc.admin(`/gateway/users/${await keycloakUser('erin')}/logout`, { method: 'POST' })
    await Bun.sleep(RECHECK_S * 1000 + 200)
    expect(await sessionStatus(gw, erin.cookie)).toBe(401)
  }, 60_000)

  it("shows a role change at the next check: free to pro", async () => {
    const grace = await consoleSignIn(gw, 'grace')
    expect(grace.session.tier).toBe('free')
    const pro = await (await kc.admin('/gateway/roles/tier-pro')).json()
    await kc.admin(`/gateway/users/${await keycloakUser('grace')}/role-mappings/realm`, { method: 'POST', body: JSON.stringify([pro]) })
    await Bun.sleep(RECHECK_S * 1000 + 200)
    const session = (await (await fetch(`${gw.origin}/console/api/session`, { headers: { cookie: grace.cookie } })).json()) as ConsoleSessionBody
    expect(session).toMatchObject({ tier: 'pro', method: 'keycloak' })
  }, 60_000)

  it('answers 503 while Keycloak cannot be reached, keeps the session, and goes on once it is back', async () => {
    const relay: TcpRelay = startTcpRelay(Number(new URL(kc.url).port))
    const behind = await startGateway(`${relay.url}/realms/gateway`)
    try {
      const bob = await consoleSignIn(behind, 'bob')
      expect(bob.session.tier).toBe('pro')
      relay.cut()
      await Bun.sleep(RECHECK_S * 1000 + 200)
      const refused = await fetch(`${behind.origin}/console/api/session`, { headers: { cookie: bob.cookie } })
      expect(refused.status).toBe(503)
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('identity provider cannot be reached')
      expect((await fetch(`${behind.origin}/quota`, { headers: { cookie: bob.cookie } })).status).toBe(503)
      // A key still works meanwhile: only what Keycloak must vouch for waits.
      const admin = await fetch(`${behind.origin}/admin/usage?from=2025-01-01&to=2025-01-01`, { headers: { 'x-api-key': ADMIN } })
      expect(admin.status).toBe(200)
      relay.restore()
      expect(await sessionStatus(behind, bob.cookie)).toBe(200)
    } finally {
      relay.stop()
      await behind.stop()
    }
  }, 90_000)
})

describe('hostile callbacks: refused, and nothing signed in', () => {
  let hostile: Gateway
  beforeAll(async () => {
    // Its own gateway, so that these attempts stay clear of the per-address limit of the others.
    hostile = await startGateway(kc.issuer('gateway'))
  })
  afterAll(async () => {
    await hostile?.stop()
  })

  const callback = (url: string, cookie?: string, headers: Record<string, string> = {}) =>
    fetch(url, { redirect: 'manual', headers: { accept: 'text/html', ...headers, ...(cookie ? { cookie: `llmgw_signin=${cookie}` } : {}) } })

  it('refuses a callback whose state is not the one this browser sent to Keycloak', async () => {
    const reached = await reachCallback(hostile, 'alice')
    const forged = new URL(reached.callbackUrl)
    forged.searchParams.set('state', 'forged-state')
    const answer = await callback(forged.toString(), reached.transaction)
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('does not belong to this sign-in')
    expect(sessionCookiesOf(answer)).toEqual([])
  }, 60_000)

  it('refuses a callback from a browser that started no sign-in', async () => {
    const reached = await reachCallback(hostile, 'alice')
    const answer = await callback(reached.callbackUrl)
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('No sign-in in progress')
    expect(sessionCookiesOf(answer)).toEqual([])
  }, 60_000)

  it('refuses a replayed code, even with the transaction cookie that went with it', async () => {
    const reached = await reachCallback(hostile, 'alice')
    const first = await callback(reached.callbackUrl, reached.transaction)
    expect(first.status).toBe(303)
    expect(sessionCookiesOf(first)).toHaveLength(1)
    const replay = await callback(reached.callbackUrl, reached.transaction)
    expect(replay.status).toBe(400)
    const page = await replay.text()
    expect(page).toContain('could not be verified')
    expect(page).toContain('href="/console/"')
    expect(sessionCookiesOf(replay)).toEqual([])
  }, 60_000)

  it("refuses another site's link to someone else's callback (login CSRF), whether or not the victim's browser started a sign-in", async () => {
    // The attacker signs in as themselves and keeps the callback instead of following it.
    const attacker = await reachCallback(hostile, 'henry')
    const fromEvil = { 'sec-fetch-site': 'cross-site', referer: 'https://evil.example/' }
    const victimStarted = await reachCallback(hostile, 'alice')
    const mixed = await callback(attacker.callbackUrl, victimStarted.transaction, fromEvil)
    expect(mixed.status).toBe(400)
    expect(sessionCookiesOf(mixed)).toEqual([])
    const cold = await callback(attacker.callbackUrl, undefined, fromEvil)
    expect(cold.status).toBe(400)
    expect(sessionCookiesOf(cold)).toEqual([])
  }, 60_000)

  it('refuses bad input on the callback with a page, never a session or a 500', async () => {
    const reached = await reachCallback(hostile, 'alice')
    const state = new URL(reached.callbackUrl).searchParams.get('state')!
    const cases: [string, string | undefined, number][] = [
      [`?state=${state}&code=${'x'.repeat(5000)}`, reached.transaction, 400],
      [`?state=${state}&error=access_denied`, reached.transaction, 400],
      [`?state=${state}`, reached.transaction, 400],
      ['?code=abc', reached.transaction, 400],
      [`?state=${state}&code=abc`, 'not-a-sealed-transaction', 400],
      [`?state=${state}&code=abc`, 'A'.repeat(12_000), 400],
    ]
    for (const [query, cookie, status] of cases) {
      const answer = await callback(`${hostile.origin}/oauth/callback${query}`, cookie)
      expect({ query: query.slice(0, 40), status: answer.status }).toEqual({ query: query.slice(0, 40), status })
      expect(answer.headers.get('content-type')).toContain('text/html')
      expect(sessionCookiesOf(answer)).toEqual([])
    }
  }, 60_000)
})
