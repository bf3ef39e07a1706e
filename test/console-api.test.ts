// The console's HTTP side, end to end on the real app with the embedded store (fake upstream
// speaking the real wire formats): sign-in for a session cookie and its flags, sign-out, CSRF on
// cookie-authenticated changes, isolation between users, usage reports, self-service keys, quota
// grants and the audit log, and the console's page and redirect.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { buildTestApp, json, testConfig } from './helpers/gateway'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { startLocalIdp } from './helpers/local-idp'

const ADMIN = 'admin-key-for-console-tests'
let up: FakeUpstream
beforeAll(() => {
  up = startFakeUpstream()
})
afterAll(async () => {
  await up.stop()
})

function gateway() {
  return buildTestApp(
    testConfig({
      backends: { claude: { format: 'anthropic', base_url: up.url }, internal: { format: 'openai', base_url: `${up.url}/v1` } },
      models: { 'qwen3-32b': { backend: 'internal', price: { input: 1, output: 2 } }, 'claude-*': { backend: 'claude' } },
      tiers: { free: { daily_requests: 10, models: ['*'], self_service_keys: true }, pro: { daily_requests: 100, models: ['*'] } },
      auth: { admin_key: ADMIN },
    }),
  )
}
let gw: ReturnType<typeof gateway>
afterEach(async () => {
  await gw?.close()
})

const chat = { model: 'qwen3-32b', messages: [{ role: 'user', content: 'hi' }] }
const ORIGIN = 'http://localhost'

async function signIn(key: string, headers: Record<string, string> = {}) {
  const response = await gw.handle('/console/api/session', json({ key }, headers))
  const cookie = response.headers.get('set-cookie') ?? ''
  const body = (await response.json()) as { csrf_token: string; user: string | null; tier: string | null; admin: boolean; today?: string; time_zone?: string }
  return { response, cookie, sessionCookie: cookie.split(';')[0]!, body }
}

describe('console sessions (real app, embedded store)', () => {
  it('opens at most 30 sessions a minute from one address, so a key holder cannot fill the session store', async () => {
    gw = gateway()
    const { key } = await gw.runtime.keyStore.create({ user: 'loop', tier: 'free' })
    const statuses: number[] = []
    for (let i = 0; i < 35; i++) statuses.push((await signIn(key)).response.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(30)
    const refused = await signIn(key)
    expect(refused.response.status).toBe(429)
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.response.headers.get('set-cookie')).toBeNull()
  })

  it("tells the page the quota's day and time zone, so its date ranges end on the quota's today, not UTC's", async () => {
    // UTC+14: for 14 hours of every UTC day this zone is already on the next day.
    const timeZone = 'Pacific/Kiritimati'
    gw = buildTestApp(testConfig({ backends: { claude: { format: 'anthropic', base_url: up.url } }, models: { 'claude-*': { backend: 'claude' } }, quota: { timezone: timeZone } }))
    const { key } = await gw.runtime.keyStore.create({ user: 'kiri', tier: 'free' })
    const { response, sessionCookie, body } = await signIn(key)
    expect(response.status).toBe(200)
    const expected = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
    expect(body).toMatchObject({ time_zone: timeZone, today: expected })
    const again = (await (await gw.handle('/console/api/session', { headers: { cookie: sessionCookie } })).json()) as Record<string, unknown>
    expect(again).toMatchObject({ time_zone: timeZone, today: gw.runtime.today() })
  })

  it('exchanges a key for an HttpOnly SameSite=Strict cookie, Secure behind TLS, and signing out ends the session', async () => {
    gw = gateway()
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const { response, cookie, sessionCookie, body } = await signIn(key)
    expect(response.status).toBe(200)
    expect(cookie).toMatch(/^llmgw_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/)
    expect(cookie).not.toContain(key)
    expect(body).toMatchObject({ user: 'ann', tier: 'free', admin: false })
    const tls = await signIn(key, { 'x-forwarded-proto': 'https' })
    expect(tls.cookie).toContain('; Secure')

    const quota = await gw.handle('/quota', { headers: { cookie: sessionCookie } })
    expect(quota.status).toBe(200)
    // The LLM routes never take the cookie: a page elsewhere cannot spend the user's quota.
    expect((await gw.handle('/v1/chat/completions', json(chat, { cookie: sessionCookie, 'x-csrf-token': body.csrf_token }))).status).toBe(401)
    expect(((await quota.json()) as { user: string }).user).toBe('ann')
    // Signing out needs the CSRF token, ends the session on the server and clears the cookie.
    expect((await gw.handle('/console/api/session', { method: 'DELETE', headers: { cookie: sessionCookie } })).status).toBe(403)
    const out = await gw.handle('/console/api/session', { method: 'DELETE', headers: { cookie: sessionCookie, 'x-csrf-token': body.csrf_token } })
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
    expect((await gw.handle('/quota', { headers: { cookie: sessionCookie } })).status).toBe(401)
    expect((await gw.handle('/console/api/session', { headers: { cookie: sessionCookie } })).status).toBe(401)
  })

  it('refuses a bad key, and ends the sessions of a key once it is revoked', async () => {
    gw = gateway()
    expect((await signIn('sk-gw-not-a-key')).response.status).toBe(401)
    const created = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const { sessionCookie } = await signIn(created.key)
    expect((await gw.handle('/quota', { headers: { cookie: sessionCookie } })).status).toBe(200)
    await gw.runtime.keyStore.revoke(created.id)
    await Bun.sleep(3_100) // the key cache's TTL
    expect((await gw.handle('/quota', { headers: { cookie: sessionCookie } })).status).toBe(401)
  })

  it('refuses cross-site and token-less changes made with the cookie: key creation and a quota grant', async () => {
    gw = gateway()
    const { key } = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const user = await signIn(key)
    const admin = await signIn(ADMIN)
    expect(admin.body.admin).toBe(true)
    const attempts: [string, { cookie: string; token: string }, unknown][] = [
      ['/keys', { cookie: user.sessionCookie, token: user.body.csrf_token }, { name: 'x' }],
      ['/admin/users/ann/grants', { cookie: admin.sessionCookie, token: admin.body.csrf_token }, { requests: 5 }],
    ]
    for (const [path, who, body] of attempts) {
      // A form or fetch from another site: no token, or the browser's own Origin and Sec-Fetch-Site.
      expect((await gw.handle(path, json(body, { cookie: who.cookie }))).status).toBe(403)
      expect((await gw.handle(path, json(body, { cookie: who.cookie, 'x-csrf-token': 'guessed' }))).status).toBe(403)
      expect((await gw.handle(path, json(body, { cookie: who.cookie, 'x-csrf-token': who.token, origin: 'https://evil.example', host: 'localhost' }))).status).toBe(403)
      expect((await gw.handle(path, json(body, { cookie: who.cookie, 'x-csrf-token': who.token, 'sec-fetch-site': 'cross-site' }))).status).toBe(403)
      const same = await gw.handle(path, json(body, { cookie: who.cookie, 'x-csrf-token': who.token, origin: ORIGIN, host: 'localhost', 'sec-fetch-site': 'same-origin' }))
      expect([200, 201]).toContain(same.status)
    }
    // Nothing but the same-origin attempts changed anything.
    expect((await gw.runtime.keyStore.page({ user: 'ann', limit: 100 })).data).toHaveLength(2)
    expect((await gw.runtime.quota.status('ann', { dailyRequests: 10 })).granted).toBe(5)
  })

  it("keeps a user to their own usage and keys", async () => {
    gw = gateway()
    const ann = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const bob = await gw.runtime.keyStore.create({ user: 'bob', tier: 'free' })
    for (const k of [ann.key, bob.key, bob.key]) expect((await gw.handle('/v1/chat/completions', json(chat, { authorization: `Bearer ${k}` }))).status).toBe(200)
    await gw.runtime.ledger!.flush()
    const own = (await (await gw.handle('/usage', { headers: { 'x-api-key': ann.key } })).json()) as { rows: { requests: number }[]; group_by: string[] }
    expect(own.group_by).toEqual(['day', 'model'])
    expect(own.rows.reduce((n, r) => n + r.requests, 0)).toBe(1)
    expect((await gw.handle('/usage?group_by=user', { headers: { 'x-api-key': ann.key } })).status).toBe(400)
    expect((await gw.handle('/admin/usage', { headers: { 'x-api-key': ann.key } })).status).toBe(403)
    expect((await gw.handle('/admin/keys?user=bob', { headers: { 'x-api-key': ann.key } })).status).toBe(403)
    const keys = (await (await gw.handle('/keys', { headers: { 'x-api-key': ann.key } })).json()) as { data: { id: string }[] }
    expect(keys.data.map((k) => k.id)).toEqual([ann.id])
    // Another user's key id is answered as no key at all, and stays active.
    expect((await gw.handle(`/keys/${bob.id}`, { method: 'DELETE', headers: { 'x-api-key': ann.key } })).status).toBe(404)
    expect((await gw.runtime.keyStore.get(bob.id))?.revokedAt).toBeUndefined()
  })
})

describe('usage reports, grants and keys (real app, embedded store)', () => {
  it('reports every request and token in JSON and CSV, with a cost from the price, and lets a grant through the limit', async () => {
    gw = gateway()
    const ann = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const auth = { authorization: `Bearer ${ann.key}` }
    for (let i = 0; i < 10; i++) expect((await gw.handle('/v1/chat/completions', json(chat, auth))).status).toBe(200)
    expect((await gw.handle('/v1/chat/completions', json(chat, auth))).status).toBe(429)
    await gw.runtime.ledger!.flush()
    const report = (await (await gw.handle('/admin/usage?group_by=user,model', { headers: { 'x-api-key': ADMIN } })).json()) as { rows: Record<string, unknown>[] }
    // The fake answers 12 prompt and 5 completion tokens; the 429 is an error with no tokens.
    expect(report.rows).toEqual([{ user: 'ann', model: 'qwen3-32b', requests: 11, errors: 1, input_tokens: 120, output_tokens: 50, cache_read_tokens: 0, cache_creation_tokens: 0, latency_ms: expect.any(Number), cost: 0.00022 }])
    const csv = await gw.handle('/admin/usage?group_by=user&format=csv', { headers: { 'x-api-key': ADMIN } })
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const [header, line] = (await csv.text()).trim().split('\n')
    expect(header).toBe('user,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens,latency_ms,cost')
    expect(line).toStartWith('ann,11,1,120,50,0,0,')

    const grant = await gw.handle('/admin/users/ann/grants', json({ requests: 1 }, { 'x-api-key': ADMIN }))
    expect(grant.status).toBe(200)
    expect(((await grant.json()) as { quota: { limit: number } }).quota.limit).toBe(11)
    expect((await gw.handle('/v1/chat/completions', json(chat, auth))).status).toBe(200)
    expect((await gw.handle('/v1/chat/completions', json(chat, auth))).status).toBe(429)
    await gw.runtime.ledger!.flush()
    // The share of quota is the quota's own count against today's limit (grant included), whatever
    // the ledger holds of the two refusals: 11 of 11, not 13 of 10.
    const overview = (await (await gw.handle('/admin/overview', { headers: { 'x-api-key': ADMIN } })).json()) as { top_users: { user: string; requests: number; quota_used: number; daily_requests: number; share_of_quota: number }[] }
    expect(overview.top_users[0]).toMatchObject({ user: 'ann', requests: 13, quota_used: 11, daily_requests: 11, share_of_quota: 1 })
    for (const bad of [{ requests: 0 }, { requests: -3 }, { requests: 1.5 }, { requests: 'many' }, {}]) {
      expect((await gw.handle('/admin/users/ann/grants', json(bad, { 'x-api-key': ADMIN }))).status).toBe(400)
    }
    const audit = (await (await gw.handle('/admin/audit', { headers: { 'x-api-key': ADMIN } })).json()) as { data: { action: string; target: string; actor: string }[] }
    expect(audit.data[0]).toMatchObject({ action: 'quota.grant', target: 'ann', actor: 'admin-key' })
  })

  it('lets a self-service tier create and revoke its own keys (the new key works, then stops), and refuses another tier', async () => {
    gw = gateway()
    const ann = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const created = await gw.handle('/keys', json({ name: '<script>alert(1)</script>' }, { 'x-api-key': ann.key }))
    expect(created.status).toBe(201)
    const key = (await created.json()) as { id: string; key: string; tier: string; user: string }
    expect(key).toMatchObject({ user: 'ann', tier: 'free' })
    expect((await gw.handle('/v1/chat/completions', json(chat, { 'x-api-key': key.key }))).status).toBe(200)
    expect((await gw.handle(`/keys/${key.id}`, { method: 'DELETE', headers: { 'x-api-key': ann.key } })).status).toBe(200)
    await Bun.sleep(3_100)
    expect((await gw.handle('/v1/chat/completions', json(chat, { 'x-api-key': key.key }))).status).toBe(401)
    const pro = await gw.runtime.keyStore.create({ user: 'pat', tier: 'pro' })
    expect((await gw.handle('/keys', json({}, { 'x-api-key': pro.key }))).status).toBe(403)
  })

  it('holds a user to 20 active keys when their creations arrive all at once', async () => {
    gw = gateway()
    const ann = await gw.runtime.keyStore.create({ user: 'ann', tier: 'free' })
    const answers = await Promise.all(Array.from({ length: 30 }, () => gw.handle('/keys', json({}, { 'x-api-key': ann.key }))))
    expect(answers.filter((r) => r.status === 201)).toHaveLength(20 - 1)
    expect(answers.filter((r) => r.status === 409)).toHaveLength(30 - 19)
    const own = await gw.runtime.keyStore.page({ user: 'ann', limit: 100 })
    expect(own.data.filter((k) => !k.revokedAt)).toHaveLength(20)
  })

  it('pages the key list on the server', async () => {
    gw = gateway()
    for (let i = 0; i < 25; i++) await gw.runtime.keyStore.create({ user: i % 2 ? 'odd' : 'even', tier: 'free' })
    const first = (await (await gw.handle('/admin/keys?limit=10', { headers: { 'x-api-key': ADMIN } })).json()) as { data: unknown[]; has_more: boolean; next_cursor: string }
    expect(first.data).toHaveLength(10)
    expect(first.has_more).toBe(true)
    const ids = new Set<string>()
    let cursor: string | null = null
    do {
      const page = (await (await gw.handle(`/admin/keys?limit=10&user=odd${cursor ? `&cursor=${cursor}` : ''}`, { headers: { 'x-api-key': ADMIN } })).json()) as { data: { id: string; user: string }[]; next_cursor: string | null }
      for (const k of page.data) {
        expect(k.user).toBe('odd')
        ids.add(k.id)
      }
      cursor = page.next_cursor
    } while (cursor)
    expect(ids.size).toBe(12)
    expect((await gw.handle('/admin/keys?limit=5000', { headers: { 'x-api-key': ADMIN } })).status).toBe(400)
  })
})

describe('the console page (real app)', () => {
  it('sends a browser asking for / to /console/, keeps the JSON 404 for API clients, and serves the page with a strict CSP', async () => {
    gw = gateway()
    const browser = await gw.handle('/', { headers: { accept: 'text/html,application/xhtml+xml' } })
    expect(browser.status).toBe(302)
    expect(browser.headers.get('location')).toBe('/console/')
    const api = await gw.handle('/', { headers: { accept: 'application/json' } })
    expect(api.status).toBe(404)
    expect(((await api.json()) as { error: { type: string } }).error.type).toBe('not_found_error')
    const page = await gw.handle('/console/')
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe')
    const html = await page.text()
    expect(html).not.toMatch(/https?:\/\//)
    const script = await (await gw.handle('/console/app.js')).text()
    expect(script.length).toBeGreaterThan(10_000)
    // Nothing is fetched from elsewhere: no URL of another host in the bundle's requests.
    expect(script).not.toMatch(/fetch\(["']https?:/)
  })

  it('offers no sign-in through Keycloak where none is configured', async () => {
    gw = gateway()
    expect(await (await gw.handle('/console/api/sign-in-options')).json()).toEqual({ key: true, keycloak: null })
    expect((await gw.handle('/console/sign-in/keycloak')).status).toBe(404)
  })
})

describe('hostile input to the console and usage routes (real app)', () => {
  it('answers clean 4xx errors, never a 500, and sets no cookie', async () => {
    gw = gateway()
    const admin = { 'x-api-key': ADMIN }
    const cases: [string, RequestInit, number][] = [
      ['/quota', { headers: { cookie: `llmgw_session=${'a'.repeat(10_000)}` } }, 401],
      ['/quota', { headers: { cookie: 'llmgw_session=../../etc/passwd; other=1' } }, 401],
      [`/admin/usage?group_by=${'day,'.repeat(60)}day`, { headers: admin }, 400],
      ['/admin/usage?from=2026-13-45', { headers: admin }, 400],
      ['/admin/usage?from=2026-12-02&to=2026-12-01', { headers: admin }, 400],
      ['/admin/usage?from=2024-01-01&to=2026-01-01', { headers: admin }, 400],
      ['/admin/usage?format=xml', { headers: admin }, 400],
      [`/admin/users/${'u'.repeat(300)}/grants`, json({ requests: 1 }, admin), 400],
      ['/admin/routing/simulate?tier=gold&model=x', { headers: admin }, 400],
      ['/console/api/session', json({ key: 'k'.repeat(20_000) }), 400],
      ['/console/api/session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${ADMIN}` }, 400],
      ['/console/api/session', json({}), 400],
      ['/console/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"key":' }, 400],
    ]
    for (const [path, init, status] of cases) {
      const response = await gw.handle(path, init)
      expect({ path: path.slice(0, 60), status: response.status }).toEqual({ path: path.slice(0, 60), status })
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(((await response.json()) as { error: { message: string } }).error.message).toBeString()
    }
  })
})

/** A gateway taking the local provider's tokens (free tier, self-service keys) and the bearer of its user kc-42. */
async function keycloakGateway(idp: Awaited<ReturnType<typeof startLocalIdp>>): Promise<Record<string, string>> {
  gw = buildTestApp(
    testConfig({
      backends: { internal: { format: 'openai', base_url: `${up.url}/v1` } },
      models: { 'qwen3-32b': { backend: 'internal' } },
      tiers: { free: { daily_requests: 3, models: ['*'], self_service_keys: true } },
      auth: { admin_key: ADMIN, providers: ['keys', 'keycloak'], keycloak: { issuer: idp.issuer, audience: 'llm-gateway', tier_map: { 'tier-free': 'free' } } },
    }),
  )
  return { authorization: `Bearer ${await idp.sign({ sub: 'kc-42', realm_access: { roles: ['tier-free'] } })}` }
}

describe('a Keycloak user in the ledger and with keys of their own (real app, embedded store, local OIDC provider)', () => {
  it("counts them, and the keys they make, under their namespaced id: the keys share their quota, /usage shows their rows", async () => {
    const idp = await startLocalIdp()
    const bearer = await keycloakGateway(idp)
    try {
      expect((await gw.handle('/v1/chat/completions', json(chat, bearer))).status).toBe(200)
      const made = await gw.handle('/keys', json({ name: 'laptop' }, bearer))
      expect(made.status).toBe(201)
      const key = (await made.json()) as { key: string; user: string }
      expect(key.user).toBe('keycloak:kc-42')
      // The key spends the same daily quota as the token: 3 in all, whichever credential.
      expect((await gw.handle('/v1/chat/completions', json(chat, { 'x-api-key': key.key }))).status).toBe(200)
      expect((await gw.handle('/v1/chat/completions', json(chat, bearer))).status).toBe(200)
      expect((await gw.handle('/v1/chat/completions', json(chat, { 'x-api-key': key.key }))).status).toBe(429)
      const listed = (await (await gw.handle('/keys', { headers: bearer })).json()) as { data: { user: string }[] }
      expect(listed.data.map((k) => k.user)).toEqual(['keycloak:kc-42'])
      await gw.runtime.ledger!.flush()
      const today = gw.runtime.today()
      const usage = (await (await gw.handle(`/usage?from=${today}&to=${today}`, { headers: bearer })).json()) as { rows: { requests: number }[] }
      expect(usage.rows.reduce((n, r) => n + r.requests, 0)).toBe(4)
    } finally {
      await idp.stop()
    }
  })

  it("names a Keycloak user in the audit log by their namespaced id, never as the key user of the same name", async () => {
    const idp = await startLocalIdp()
    const bearer = await keycloakGateway(idp)
    try {
      const namesake = await gw.runtime.keyStore.create({ user: 'kc-42', tier: 'free' })
      expect((await gw.handle('/keys', json({}, bearer))).status).toBe(201)
      expect((await gw.handle('/keys', json({}, { 'x-api-key': namesake.key }))).status).toBe(201)
      const audit = (await (await gw.handle('/admin/audit', { headers: { 'x-api-key': ADMIN } })).json()) as { data: { actor: string; detail: { user: string } }[] }
      expect(audit.data.map((e) => [e.actor, e.detail.user])).toEqual([
        ['kc-42', 'kc-42'],
        ['keycloak:kc-42', 'keycloak:kc-42'],
      ])
    } finally {
      await idp.stop()
    }
  })
})

