// The console in a real headless Chromium (Debian's package, driven by puppeteer-core) against the
// compiled binary, with fake LLM upstreams speaking the real wire formats: a developer signs in
// with a key and sees their tier, quota and reset time, creates a key that works with curl and
// revokes it; an operator finds that user among today's users, downloads the CSV and raises the
// user's quota; ids and names holding <script> render as text; signing out ends the session.
// Developers and an operator sign in through the REAL Keycloak login page too (realm
// test/fixtures/keycloak/gateway-realm.json, client `claude-gateway`) and see the tier their role
// maps to, or the operator pages. Every page of the console is screenshot into
// test-artifacts/console/ and checked by axe-core.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'puppeteer-core'
import { type RunningBinary, emptyDirWithBinary, runBinary, runOnce } from './helpers/binary'
import { seriousViolations, startChromium } from './helpers/chromium'
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream'
import { freePort } from './helpers/free-port'
import { startKeycloak, type RunningKeycloak } from './helpers/keycloak'
import { runTempDir } from './helpers/run-temp-dirs'
import { waitFor } from './helpers/wait-for'

// What page.evaluate() runs in the page sees the page's globals; declared here for the type checker only.
declare const document: { body: { textContent: string | null }; cookie: string; querySelector(s: string): { textContent: string | null } | null }
declare const window: unknown
declare const localStorage: unknown
declare const sessionStorage: unknown

const ADMIN = 'sk-admin-console-browser'
const SHOTS = resolve(import.meta.dir, '../test-artifacts/console')
const CONFIG = `
server: { public_url: "\${PUBLIC_URL}" }
auth:
  admin_key: ${ADMIN}
  keycloak: { issuer: "\${KC_ISSUER}", client_id: claude-gateway, client_secret: claude-gateway-test-secret }
backends:
  internal: { format: openai, base_url: "\${FAKE_URL}/v1" }
models:
  qwen3-32b: { backend: internal, price: { input: 0.5, output: 1.5 } }
tiers:
  free: { daily_requests: 10, models: ["*"], self_service_keys: true, routes: { "gpt-*": qwen3-32b } }
  pro:  { daily_requests: 1000, models: ["*"], routes: { "gpt-*": qwen3-32b } }
`

let up: FakeUpstream
let kc: RunningKeycloak
let gw: RunningBinary
let dir: string
let bin: string
let browser: Browser
let devKey = ''
let devPage: Page
let opsPage: Page
const cspProblems: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  up = startFakeUpstream()
  ;[kc, { dir, bin }] = await Promise.all([startKeycloak(resolve(import.meta.dir, 'fixtures/keycloak/gateway-realm.json'), { timeoutMs: 240_000 }), emptyDirWithBinary()])
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG)
  const port = await freePort()
  const env = { FAKE_URL: up.url, GATEWAY_DATA_DIR: join(dir, 'data'), PUBLIC_URL: `http://127.0.0.1:${port}`, KC_ISSUER: kc.issuer('gateway') }
  const created = await runOnce(bin, ['keys', 'create', '--config', 'gateway.yaml', '--user', 'dev-ann', '--tier', 'free'], env, dir)
  devKey = created.stdout.trim()
  const evil = await runOnce(bin, ['keys', 'create', '--config', 'gateway.yaml', '--user', '<script>window.__xss=1</script>', '--tier', 'pro'], env, dir)
  gw = await runBinary(bin, ['serve', '--config', 'gateway.yaml'], env, dir, { port })
  expect((await chat(evil.stdout.trim())).status).toBe(200)
  browser = await startChromium()
}, 300_000)
afterAll(async () => {
  await browser?.close()
  await gw?.stop()
  await up.stop()
  await kc?.stop()
}, 60_000)

function chat(key: string): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) })
}

/** The status curl gets for a chat completion with this key. */
async function curlStatus(key: string): Promise<number> {
  const proc = Bun.spawn(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', `${gw.url}/v1/chat/completions`, '-H', `authorization: Bearer ${key}`, '-H', 'content-type: application/json', '-d', '{"model":"qwen3-32b","messages":[{"role":"user","content":"hi"}]}'], { stdout: 'pipe' })
  return Number((await new Response(proc.stdout).text()).trim())
}

/** A page in a browser context of its own; `keycloak`: it may go to Keycloak's login page too. */
async function newPage(options: { keycloak?: boolean } = {}): Promise<Page> {
  const context = await browser.createBrowserContext()
  const page = await context.newPage()
  await page.setViewport({ width: 1200, height: 900 })
  const onConsole = () => new URL(page.url()).origin === gw.url
  page.on('pageerror', (e) => onConsole() && cspProblems.push(`page error: ${e instanceof Error ? e.message : String(e)}`))
  page.on('console', (m) => {
    if (onConsole() && /Content Security Policy|Refused to/i.test(m.text())) cspProblems.push(m.text())
  })
  // Nothing but the gateway itself (and Keycloak, where the page signs in there): any other host is a failure.
  const allowed = new Set([gw.url, ...(options.keycloak ? [new URL(kc.url).origin] : [])])
  await page.setRequestInterception(true)
  page.on('request', (r) => (allowed.has(new URL(r.url()).origin) || r.url().startsWith('data:') ? r.continue() : (cspProblems.push(`outside request ${r.url()}`), r.abort())))
  return page
}

/** The console's "Sign in with your company account", then Keycloak's own login form. */
async function signInWithKeycloak(page: Page, username: string): Promise<void> {
  await page.goto(`${gw.url}/console/`, { waitUntil: 'networkidle0' })
  await page.waitForSelector('[data-testid="keycloak-sign-in"]')
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('[data-testid="keycloak-sign-in"]')])
  // The real login page of the realm, on Keycloak's own origin.
  expect(new URL(page.url()).origin).toBe(new URL(kc.url).origin)
  await page.waitForSelector('#username')
  await page.screenshot({ path: join(SHOTS, 'keycloak-login.png'), fullPage: true })
  await page.type('#username', username)
  await page.type('#password', `${username}-password`)
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#kc-login')])
  expect(page.url()).toBe(`${gw.url}/console/`)
  await page.waitForSelector('[data-testid="signed-in-as"]')
}

async function text(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector, { timeout: 10_000 })
  return page.$eval(selector, (el) => el.textContent ?? '')
}

/** Screenshot, then the accessibility check: no serious or critical violation. */
async function check(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] })
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${gw.url}/`, { waitUntil: 'networkidle0' })
  expect(page.url()).toBe(`${gw.url}/console/`)
  await page.waitForSelector('#key')
  await page.type('#key', key)
  await Promise.all([page.waitForSelector('[data-testid="signed-in-as"]'), page.click('button[type="submit"]')])
}

describe('the console in headless Chromium, against the compiled binary', () => {
  it('shows a developer who sent 3 requests their tier, 3 used of 10 and the reset time', async () => {
    for (let i = 0; i < 3; i++) expect((await chat(devKey)).status).toBe(200)
    const page = (devPage = await newPage())
    await page.goto(`${gw.url}/console/`, { waitUntil: 'networkidle0' })
    await check(page, 'sign-in')
    await signIn(page, devKey)
    expect(await text(page, '[data-testid="tier"]')).toBe('free')
    expect(await text(page, '[data-testid="used"]')).toBe('3 used of 10')
    expect(await text(page, '[data-testid="reset"]')).toMatch(/^Resets at .+\(your local time\)$/)
    await page.waitForSelector('figure.chart canvas')
    // The key is in no browser storage: only the HttpOnly cookie, which scripts cannot read.
    expect(await page.evaluate(() => [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)])).toEqual(['', '{}', '{}'])
    await check(page, 'developer')
  }, 90_000)

  it("shows an operator that user among today's users with 3 requests, and downloads the CSV", async () => {
    const page = (opsPage = await newPage())
    await signIn(page, ADMIN)
    // The ledger is written within a second: reload until the user is there.
    const seen = await waitFor(async () => {
      await page.goto(`${gw.url}/console/#/ops`, { waitUntil: 'networkidle0' })
      return (await page.$('tr[data-user="dev-ann"]')) !== null
    }, 10_000, 300)
    expect(seen).toBe(true)
    const cells = await page.$$eval('tr[data-user="dev-ann"] td', (tds) => tds.map((td) => td.textContent))
    expect(cells.slice(0, 4)).toEqual(['dev-ann', 'free', '3', '30 % of 10'])
    // A user id holding <script> is shown as text.
    expect(await page.evaluate(() => document.body.textContent?.includes('<script>window.__xss=1</script>'))).toBe(true)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    await check(page, 'operator-today')

    await page.goto(`${gw.url}/console/#/ops/usage`, { waitUntil: 'networkidle0' })
    await page.waitForSelector('figure.chart canvas')
    const downloads = runTempDir('llmgw-downloads-')
    const cdp = await page.createCDPSession()
    // Downloads of a page in its own browser context are allowed per context.
    const browserContextId = (page.browserContext() as unknown as { id?: string }).id
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, ...(browserContextId ? { browserContextId } : {}) })
    await page.click('[data-testid="csv"]')
    expect(await waitFor(() => readdirSync(downloads).some((f) => f.endsWith('.csv')), 10_000, 100)).toBe(true)
    const csv = readFileSync(join(downloads, readdirSync(downloads).find((f) => f.endsWith('.csv'))!), 'utf8')
    expect(csv.split('\n')[0]).toBe('day,model,backend,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens,latency_ms,cost')
    expect(csv).toContain(',qwen3-32b,internal,4,0,')
    await check(page, 'operator-usage')
  }, 90_000)

  it('lets the developer create a key in the page that works with curl, and revoke it so that it stops working', async () => {
    const page = devPage
    await page.type('#key-name', '<img src=x onerror=window.__xss=2>')
    await page.click('form button[type="submit"]')
    const newKey = (await text(page, '[data-testid="new-key"]')).trim()
    expect(newKey).toStartWith('sk-gw-')
    expect(await curlStatus(newKey)).toBe(200)
    // The name is shown as text, never run.
    await page.waitForFunction(() => document.body.textContent?.includes('<img src=x onerror=window.__xss=2>'))
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    await check(page, 'developer-new-key')

    const row = await page.$$eval('tr[data-key-id]', (rows) => rows.map((r) => [r.getAttribute('data-key-id'), r.textContent]))
    const id = row.find(([, t]) => t?.includes('<img'))![0]!
    await page.click(`tr[data-key-id="${id}"] button`)
    await page.waitForFunction((keyId) => document.querySelector(`tr[data-key-id="${keyId}"]`)?.textContent?.includes('revoked'), {}, id)
    // Every replica forgets a revoked key within the 3 s of its key cache.
    expect(await waitFor(async () => (await curlStatus(newKey)) === 401, 6_000, 250)).toBe(true)
    await page.browserContext().close()
  }, 90_000)

  it("lets the operator raise the user's quota for today, after which an eleventh request passes", async () => {
    const page = opsPage
    // Use up the rest of today's 10, then raise the quota in the user's page.
    while ((await chat(devKey)).status === 200) {}
    expect((await chat(devKey)).status).toBe(429)
    await page.goto(`${gw.url}/console/#/ops/users/dev-ann`, { waitUntil: 'networkidle0' })
    expect(await text(page, '[data-testid="user-quota"]')).toContain('10 used of 10')
    await page.focus('#grant')
    await page.keyboard.down('Control')
    await page.keyboard.press('KeyA')
    await page.keyboard.up('Control')
    await page.keyboard.type('1')
    await page.click('form button[type="submit"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="user-quota"]')?.textContent?.includes('1 granted today'))
    expect((await chat(devKey)).status).toBe(200)
    expect((await chat(devKey)).status).toBe(429)
    await check(page, 'operator-user')

    for (const [hash, name] of [['#/ops/backends', 'operator-backends'], ['#/ops/routing', 'operator-routing'], ['#/ops/audit', 'operator-audit']] as const) {
      await page.goto(`${gw.url}/console/${hash}`, { waitUntil: 'networkidle0' })
      await page.waitForSelector('h1')
      if (name === 'operator-routing') {
        // The tiers come from /admin/routing: the option is there once it has answered.
        await page.waitForFunction(() => document.querySelector('#sim-tier')?.textContent?.includes('free'))
        await page.select('#sim-tier', 'free')
        await page.type('#sim-model', 'gpt-4o')
        await page.click('form button[type="submit"]')
        expect(await text(page, '[data-testid="simulation"]')).toContain('qwen3-32b on backend internal')
      }
      if (name === 'operator-audit') await page.waitForFunction(() => document.body.textContent?.includes('quota.grant'))
      await check(page, name)
    }

    // Signing out ends the session: the page is back at sign-in, and so is a reload.
    await page.click('.who button')
    await page.waitForSelector('#key')
    await page.reload({ waitUntil: 'networkidle0' })
    await page.waitForSelector('#key')
    await page.browserContext().close()
    expect(cspProblems).toEqual([])
  }, 120_000)
})

describe('the console signed in through the real Keycloak login page, in headless Chromium', () => {
  it('shows a developer the tier their role maps to (bob: tier-pro), keeps nothing in browser storage, and no operator pages', async () => {
    const page = await newPage({ keycloak: true })
    await signInWithKeycloak(page, 'bob')
    expect(await text(page, '[data-testid="signed-in-as"]')).toBe('bob')
    expect(await text(page, '[data-testid="tier"]')).toBe('pro')
    expect(await text(page, '[data-testid="used"]')).toBe('0 used of 1,000')
    await page.waitForSelector('figure.chart canvas')
    expect(await page.evaluate(() => [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)])).toEqual(['', '{}', '{}'])
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent))).toEqual(['My usage'])
    await check(page, 'developer-keycloak')
    // Signing out ends the console session and shows the sign-in page again.
    await page.click('.who button')
    await page.waitForSelector('[data-testid="keycloak-sign-in"]')
    await page.reload({ waitUntil: 'networkidle0' })
    await page.waitForSelector('#key')
    await page.browserContext().close()
  }, 90_000)

  it("shows a user with the admin realm role (root) the operator pages, with today's users", async () => {
    const page = await newPage({ keycloak: true })
    await signInWithKeycloak(page, 'root')
    expect(await page.$$eval('nav a', (links) => links.map((a) => a.textContent))).toEqual(['My usage', 'Today', 'Usage', 'Backends', 'Routing', 'Audit log'])
    await page.goto(`${gw.url}/console/#/ops`, { waitUntil: 'networkidle0' })
    await page.waitForSelector('tr[data-user="dev-ann"]')
    expect(await text(page, 'h1')).toStartWith('Today')
    await check(page, 'operator-keycloak')
    await page.browserContext().close()
    expect(cspProblems).toEqual([])
  }, 90_000)
})
