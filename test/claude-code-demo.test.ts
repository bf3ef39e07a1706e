// The quickstart promise: the compiled gateway on its embedded defaults, with nothing configured,
// answers the real Claude Code CLI (`claude -p`, npm @anthropic-ai/claude-code) from its demo backend.
import { afterAll, beforeAll, expect, it } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEMO_KEY } from '../src/config/defaults'
import { DEMO_REPLY } from '../src/upstream/demo-backend'
import { type RunningBinary, emptyDirWithBinary, runBinary } from './helpers/binary'
import { runBounded } from './helpers/run-bounded'

const ROOT = resolve(import.meta.dir, '..')
const CLAUDE = join(ROOT, '.cache/clients/node_modules/.bin/claude')
let gw: RunningBinary

beforeAll(async () => {
  if (!existsSync(CLAUDE)) {
    const install = Bun.spawnSync(['bash', join(ROOT, 'scripts/install-clients.sh')], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
    if (install.exitCode !== 0) throw new Error('scripts/install-clients.sh failed: Claude Code is not installed')
  }
  const { dir, bin } = await emptyDirWithBinary()
  gw = await runBinary(bin, [], {}, dir)
}, 300_000)
afterAll(async () => {
  await gw?.stop()
})

it('answers `claude -p` from the demo backend with nothing configured', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llmgw-claude-demo-'))
  try {
    const run = await runBounded([CLAUDE, '-p', 'say hello'], {
      cwd: home,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ANTHROPIC_BASE_URL: gw.url, ANTHROPIC_API_KEY: DEMO_KEY, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
      timeoutMs: 90_000,
    })
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(run.stdout.replace(/\s+/g, ' ').trim()).toBe(DEMO_REPLY)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}, 120_000)
