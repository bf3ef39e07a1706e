// Starts Debian's headless Chromium (installed by scripts/install-chromium.sh) through
// puppeteer-core, which never downloads a browser: a fresh profile per run, no background
// networking, on pages served from 127.0.0.1 only. Also injects axe-core (from node_modules) into
// a page for an accessibility check, through the DevTools protocol so that the page's own
// Content-Security-Policy stays on.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { runTempDir } from './run-temp-dirs'

// What page.evaluate() runs in the page sees the page's globals; declared here for the type checker only.
declare const document: { body: { textContent: string | null }; cookie: string; querySelector(s: string): { textContent: string | null } | null }

const ROOT = resolve(import.meta.dir, '../..')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function startChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: runTempDir('llmgw-chromium-'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    protocolTimeout: 60_000,
  })
}

let axeSource: string | null = null

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** The page's accessibility violations of impact serious or critical, by axe-core. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')
  await page.evaluate(axeSource)
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe
    return (await axe.run(document, { resultTypes: ['violations'] })).violations
  })) as AxeViolation[]
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
}
