// The real Claude Code CLI (npm @anthropic-ai/claude-code, scripts/install-clients.sh) signs in to
// the gateway with its own gateway login, against a REAL Keycloak (test/helpers/keycloak.ts):
//   - through its /login screens, driven in a tmux pane as a developer would (read the screen,
//     press keys), and
//   - through `claude auth login --gateway-json` (one JSON line per step, answered on stdin).
// The browser part is an HTTP client through the gateway's page and Keycloak's login form
// (test/helpers/sign-in-browser.ts), started from the URL Claude Code hands $BROWSER. Then
// `claude -p` answers through the token the gateway minted: a free user lands on the internal model
// and meets the free quota, a pro user reaches the haiku route. The LLM upstream is the scripted
// fake speaking the real wire formats (test/helpers/fake-scripted-upstream.ts): only it is faked.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { startScriptedUpstream, type ScriptedUpstream } from './helpers/fake-scripted-upstream'
import { freePort } from './helpers/free-port'
import { listenTestGateway, tempDir, testConfig } from './helpers/gateway'
import { startKeycloak, type RunningKeycloak } from './helpers/keycloak'
import { runBounded } from './helpers/run-bounded'
import { signInThroughBrowser } from './helpers/sign-in-browser'
import { startTmuxPane } from './helpers/tmux'
import { waitFor } from './helpers/wait-for'

const ROOT = resolve(import.meta.dir, '..')
const CLAUDE = join(ROOT, '.cache/clients/node_modules/.bin/claude')
const RUN_TIMEOUT_MS = 90_000
const FREE_DAILY_REQUESTS = 2

let kc: RunningKeycloak
let up: ScriptedUpstream
let gw: { url: string; stop(): Promise<void> }
const homes: { remove(): void }[] = []

beforeAll(async () => {
  if (!existsSync(CLAUDE)) {
    const install = Bun.spawnSync(['bash', join(ROOT, 'scripts/install-clients.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if (install.exitCode !== 0) throw new Error('scripts/install-clients.sh failed: Claude Code is not installed')
  }
  if (!Bun.which('tmux')) {
    const install = Bun.spawnSync(['bash', join(ROOT, 'scripts/install-tmux.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if (install.exitCode !== 0) throw new Error('scripts/install-tmux.sh failed')
  }
  ;[kc, up] = await Promise.all([startKeycloak(join(ROOT, 'test/fixtures/keycloak/gateway-realm.json'), { timeoutMs: 240_000 }), Promise.resolve(startScriptedUpstream({ chunkDelayMs: 2 }))])
  const port = await freePort()
  gw = listenTestGateway(
    testConfig({
      server: { public_url: `http://127.0.0.1:${port}` },
      auth: { keycloak: { issuer: kc.issuer('gateway'), client_id: 'claude-gateway', client_secret: 'claude-gateway-test-secret' } },
      backends: { internal: { format: 'openai', base_url: `${up.url}/v1` }, claude: { format: 'anthropic', base_url: up.url } },
      models: {
        'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B', max_output_tokens: 8192 },
        'claude-3-haiku': { backend: 'claude', upstream_model: 'claude-3-haiku-20240307' },
      },
      tiers: {
        free: { daily_requests: FREE_DAILY_REQUESTS, models: ['qwen3-32b'], routes: { 'claude-*': 'qwen3-32b' } },
        pro: { daily_requests: 1000, models: ['qwen3-32b', 'claude-3-haiku'], routes: { 'claude-*': 'claude-3-haiku' } },
      },
    }),
    { port },
  )
}, 300_000)

afterAll(async () => {
  await gw?.stop()
  await up?.stop()
  await kc?.stop()
  for (const h of homes) h.remove()
}, 60_000)

interface ClaudeHome {
  home: string
  work: string
  /** Where the $BROWSER stand-in writes each URL Claude Code opens. */
  opened: string
  env: Record<string, string>
}

/**
 * A fresh HOME that points Claude Code's login at the gateway (a user's settings.json needs both
 * keys), and a $BROWSER that records the URL instead of opening a browser.
 */
function claudeHome(): ClaudeHome {
  const dir = tempDir('llmgw-claude-sign-in-')
  homes.push(dir)
  const home = join(dir.path, 'home')
  const work = join(dir.path, 'work')
  mkdirSync(join(home, '.claude'), { recursive: true })
  mkdirSync(work)
  writeFileSync(join(home, '.claude/settings.json'), JSON.stringify({ forceLoginMethod: 'gateway', forceLoginGatewayUrl: gw.url }))
  const opened = join(dir.path, 'opened-urls')
  const browser = join(dir.path, 'browser.sh')
  writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`)
  chmodSync(browser, 0o755)
  return {
    home,
    work,
    opened,
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: dir.path,
      BROWSER: browser,
      TERM: 'xterm-256color',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  }
}

/** The verification URL Claude Code handed $BROWSER for this user code, once it has. */
async function openedUrl(h: ClaudeHome, userCode: string, timeoutMs = 30_000): Promise<string> {
  const find = () => (existsSync(h.opened) ? readFileSync(h.opened, 'utf8').split('\n').find((u) => u.endsWith(`user_code=${userCode}`)) : undefined)
  if (!(await waitFor(() => find() !== undefined, timeoutMs, 100))) throw new Error(`Claude Code never opened the verification URL for ${userCode}`)
  return find()!
}

function savedCredentials(h: ClaudeHome): Record<string, any> {
  return JSON.parse(readFileSync(join(h.home, '.claude/.credentials.json'), 'utf8')) as Record<string, any>
}

async function claudePrint(h: ClaudeHome, prompt: string) {
  return runBounded([CLAUDE, '-p', prompt, '--output-format', 'json'], { cwd: h.work, env: h.env, timeoutMs: RUN_TIMEOUT_MS })
}

/** `claude -p` answers with the upstream's text, every LLM request having gone to `[path, upstream model]`. */
async function expectPrintAnsweredBy(h: ClaudeHome, route: [path: string, model: string]): Promise<void> {
  const from = up.received.length
  const run = await claudePrint(h, 'Say hello in one short sentence.')
  if (run.code !== 0) throw new Error(`claude -p failed: ${run.stdout} ${run.stderr}`)
  expect(JSON.parse(run.stdout).result).toBe(up.plainText)
  const llm = up.received.slice(from)
  expect(llm.length).toBeGreaterThan(0)
  expect(llm.map((r) => [r.path, r.body.model])).toEqual(llm.map(() => route))
}

describe('Claude Code signs in to the gateway with its own gateway login', () => {
  it('signs in with `claude auth login --gateway-json`, the browser part through Keycloak, and `claude -p` answers on the internal model until the free quota', async () => {
    const h = claudeHome()
    const steps = await gatewayJsonLogin(h, { username: 'alice', password: 'alice-password' })
    // What the JSON steps said, in order: confirm the URL, trust the (loopback) gateway, the code to check, saved.
    expect(steps.map((s) => s.state).filter((s) => s !== 'connecting')).toEqual(['url_input', 'trust_prompt', 'polling', 'saving', 'done'])
    expect(steps.find((s) => s.state === 'trust_prompt')!.shown).toBe('http-loopback')
    const saved = savedCredentials(h)
    expect(saved.enterpriseGateway).toMatchObject({ url: gw.url, tokenEndpoint: `${gw.url}/oauth/token` })
    expect(saved.enterpriseGateway.idpRefreshToken).toMatch(/^gwrt_/)

    await expectPrintAnsweredBy(h, ['/v1/chat/completions', 'Qwen/Qwen3-32B'])

    // The rest of the free tier's daily requests, then the gateway's 429, which Claude Code shows and stops on.
    for (let i = 1; i < FREE_DAILY_REQUESTS; i++) {
      const run = await claudePrint(h, 'Say hello again.')
      expect(run.code).toBe(0)
    }
    const refused = await claudePrint(h, 'One more, please.')
    expect(refused.code).not.toBe(0)
    const answer = JSON.parse(refused.stdout) as { is_error: boolean; api_error_status: number; result: string }
    expect(answer).toMatchObject({ is_error: true, api_error_status: 429 })
    expect(answer.result).toContain(`Daily request quota of ${FREE_DAILY_REQUESTS} for the free tier is used up`)
  }, 6 * RUN_TIMEOUT_MS)

  it('signs in through its own login screens in a terminal, and a pro user signed in with /login reaches the haiku route', async () => {
    const h = claudeHome()
    const pane = await startTmuxPane({ command: CLAUDE, env: h.env, cwd: h.work })
    try {
      // First start: the theme, then the login screen the settings force (the gateway's), its trust prompt.
      await pane.waitFor(/Choose the text style/, 60_000)
      await pressUntilGone(pane, /Choose the text style/)
      await signInOnScreen(pane, h, { username: 'dave', password: 'dave-password' }, { trustPrompt: true })
      await pane.waitFor(/Security notes/)
      await pressUntilGone(pane, /Security notes/)
      await choose(pane, /Yes, I trust this folder/)
      await acceptManagedSettingsIfAsked(pane, /auto mode on|for shortcuts/)

      // In the session: /login again, as a pro user.
      await pane.send(['/login'])
      await pane.waitFor(/❯ \/login/)
      await pressUntilGone(pane, /Sign in with your Anthropic account/)
      await signInOnScreen(pane, h, { username: 'bob', password: 'bob-password' }, { trustPrompt: false })
      await acceptManagedSettingsIfAsked(pane, /Login successful/)

      const from = up.received.length
      await pane.send(['Say hello in one short sentence.', 'Enter'])
      await pane.waitFor(new RegExp(escapeRegExp(up.plainText)), RUN_TIMEOUT_MS)
      const llm = up.received.slice(from)
      expect(llm.length).toBeGreaterThan(0)
      expect(llm.map((r) => [r.path, r.body.model])).toEqual(llm.map(() => ['/v1/messages', 'claude-3-haiku-20240307']))
    } finally {
      await pane.kill()
    }

    // The credential the screens saved serves `claude -p` too, as bob.
    await expectPrintAnsweredBy(h, ['/v1/messages', 'claude-3-haiku-20240307'])
  }, 6 * RUN_TIMEOUT_MS)
})

type Pane = Awaited<ReturnType<typeof startTmuxPane>>
type GatewayJsonStep = Record<string, unknown> & { state: string; shown?: string; browserUrl?: string; verificationUri?: string; userCode?: string }

/**
 * `claude auth login --gateway-json`: each step is a JSON line; a step that asks (URL, trust,
 * account) is confirmed by writing back its `state` and `shown`; the polling step carries the
 * link that the test's browser opens.
 */
async function gatewayJsonLogin(h: ClaudeHome, user: { username: string; password: string }): Promise<GatewayJsonStep[]> {
  const proc = Bun.spawn([CLAUDE, 'auth', 'login', '--gateway-json'], { cwd: h.work, env: h.env, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
  const killer = setTimeout(() => proc.kill('SIGKILL'), RUN_TIMEOUT_MS)
  const steps: GatewayJsonStep[] = []
  let browser: ReturnType<typeof signInThroughBrowser> | null = null
  try {
    let buffered = ''
    for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim()
        buffered = buffered.slice(nl + 1)
        if (!line.startsWith('{')) continue
        const step = JSON.parse(line) as GatewayJsonStep
        steps.push(step)
        if (step.state === 'url_input' || step.state === 'trust_prompt' || step.state === 'confirm_account') {
          proc.stdin.write(`${JSON.stringify({ state: step.state, shown: step.shown, accept: true })}\n`)
          proc.stdin.flush()
        }
        if (step.state === 'polling' && !browser) browser = signInThroughBrowser(step.browserUrl ?? step.verificationUri!, user)
      }
    }
    const code = await proc.exited
    if (code !== 0) throw new Error(`claude auth login --gateway-json exited ${code}: ${await new Response(proc.stderr).text()}\nsteps: ${JSON.stringify(steps)}`)
    expect(browser).not.toBeNull()
    const result = await browser!
    expect(result.status).toBe(200)
    expect(result.text).toContain(`signed in as ${user.username}`)
    return steps
  } finally {
    clearTimeout(killer)
    proc.kill()
  }
}

/** The gateway login screen: connect, trust the gateway the first time, the code, the browser part, done. */
async function signInOnScreen(pane: Pane, h: ClaudeHome, user: { username: string; password: string }, options: { trustPrompt: boolean }): Promise<void> {
  await pane.waitFor(/Enter to connect/)
  await pressUntilGone(pane, /Enter to connect/)
  if (options.trustPrompt) {
    await pane.waitFor(/Trust gateway 127\.0\.0\.1\?[\s\S]*http-loopback/)
    await choose(pane, /Yes, trust this gateway/)
  }
  const screen = await pane.waitFor(/Code:\s+[A-Z]{4}-[A-Z]{4}/)
  const code = /Code:\s+([A-Z]{4}-[A-Z]{4})/.exec(screen)![1]!
  const url = await openedUrl(h, code)
  const result = await signInThroughBrowser(url, user)
  expect(result.status).toBe(200)
  await pane.waitFor(/Connected to Cloud gateway/)
  await pressUntilGone(pane, /Connected to Cloud gateway/)
}

/** Presses Enter until what the screen asked for is gone (a key sent while it is being drawn can be lost). */
async function pressUntilGone(pane: Pane, shown: RegExp): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await pane.send(['Enter'])
    if (await waitFor(async () => !shown.test(await pane.screen()), 3_000, 200)) return
  }
  throw new Error(`the screen kept showing ${shown} after Enter:\n${await pane.screen()}`)
}

/**
 * Moves a menu's cursor (❯) to the option matching `option`, wherever it starts, and picks it once
 * the screen shows the cursor there (keys sent while a screen is still being drawn can be lost).
 */
async function choose(pane: Pane, option: RegExp): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const screen = await pane.waitFor(option)
    const lines = screen.split('\n')
    const target = lines.findIndex((l) => option.test(l))
    if (lines[target]!.includes('❯')) {
      await pane.send(['Enter'])
      // Picked once the option is gone from the screen; otherwise the key came too early.
      if (await waitFor(async () => !option.test(await pane.screen()), 3_000, 200)) return
      continue
    }
    // The menu's cursor is the ❯ nearest the option (the screen may show another, e.g. an input line).
    const cursor = lines.map((l, i) => ({ i, d: Math.abs(i - target) })).filter(({ i, d }) => d <= 6 && lines[i]!.includes('❯')).sort((a, b) => a.d - b.d)[0]?.i
    if (cursor !== undefined) await pane.send(Array(Math.abs(target - cursor)).fill(target > cursor ? 'Down' : 'Up'))
    await Bun.sleep(500)
  }
  throw new Error(`could not move the menu cursor to ${option}:\n${await pane.screen()}`)
}

/** After a sign-in Claude Code may ask to approve the tier's managed settings; approve them when it does. */
async function acceptManagedSettingsIfAsked(pane: Pane, ready: RegExp): Promise<void> {
  const screen = await pane.waitFor(new RegExp(`Managed settings require approval|${ready.source}`), 60_000)
  if (/Managed settings require approval/.test(screen)) {
    await choose(pane, /Yes, I trust these settings/)
    await pane.waitFor(ready, 60_000)
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
