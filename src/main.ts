#!/usr/bin/env bun
// The command line: `serve` (default), `check-config`, `keys ...`, `usage`, `version`. The only module with
// process-wide side effects: it reads argv and the environment, then hands plain values on.
import { runKeysCommand } from './cli/keys-command'
import { runUsageCommand } from './cli/usage-command'
import { loadConfig } from './config/load-config'
import { createLogger } from './logging/logger'
import { installProcessGuards } from './server/process-guards'
import { quotaWindow } from './quota/quota-window'
import { findModelEntry } from './routing/resolve-model'
import { openKeyStore, openUsageStore } from './stores/open-stores'
import { raiseFetchLimit } from './server/raise-fetch-limit'
import { startGateway } from './server/start-gateway'
import { VERSION } from './server/version'

const USAGE = `llm-gateway ${VERSION}
usage:
  llm-gateway [serve] [--config FILE]          start the gateway
  llm-gateway check-config [--config FILE]     validate the configuration
  llm-gateway keys create --user ID --tier TIER [--name LABEL] [--json]
  llm-gateway keys list [--json]
  llm-gateway keys revoke KEY_ID
  llm-gateway usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--group-by user,model] [--user ID] [--format table|csv|json]
  llm-gateway version
Config: --config, else GATEWAY_CONFIG, else built-in defaults plus environment.`

function takeConfigFlag(args: string[]): { file: string | null; rest: string[] } {
  const rest: string[] = []
  let file: string | null = null
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--config' || a === '-c') file = args[++i] ?? ''
    else if (a.startsWith('--config=')) file = a.slice('--config='.length)
    else rest.push(a)
  }
  return { file, rest }
}

async function main(argv: string[]): Promise<number> {
  const { file, rest } = takeConfigFlag(argv)
  const command = rest[0] ?? 'serve'
  const write = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`)
  const writeErr = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`)

  if (command === 'help' || command === '--help' || command === '-h') return write(USAGE), 0
  if (command === 'version' || command === '--version') return write(VERSION), 0

  const { config, problems } = loadConfig({ file, env: process.env })
  if (command === 'check-config') {
    if (problems.length > 0) {
      for (const p of problems) writeErr(p)
      writeErr(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`)
      return 1
    }
    write(`${config.source}: ok (${Object.keys(config.backends).length} backends, ${config.models.length} models, ${Object.keys(config.tiers).length} tiers${config.demo ? ', demo mode' : ''})`)
    return 0
  }
  if (problems.length > 0) {
    for (const p of problems) writeErr(p)
    writeErr('refusing to start: fix the configuration (llm-gateway check-config lists the problems)')
    return 1
  }
  const log = createLogger(config.log_level, (line) => process.stderr.write(line))
  if (command === 'keys') {
    const tierIndex = rest.findIndex((a) => a === '--tier' || a.startsWith('--tier='))
    const tier = tierIndex === -1 ? null : rest[tierIndex]!.includes('=') ? rest[tierIndex]!.split('=')[1] : rest[tierIndex + 1]
    if (rest[1] === 'create' && tier && !config.tiers[tier]) {
      writeErr(`error: unknown tier "${tier}" (configured: ${Object.keys(config.tiers).join(', ')})`)
      return 2
    }
    const stores = openKeyStore(config, log)
    try {
      await stores.ready()
      return await runKeysCommand(rest, { keyStore: stores.keyStore, stdout: write, stderr: writeErr })
    } catch (error) {
      writeErr(`error: ${(error as Error).message}`)
      return 1
    } finally {
      await stores.close()
    }
  }
  if (command === 'usage') {
    const stores = openUsageStore(config, log)
    const priced = config.models.some((m) => m.price)
    try {
      await stores.ready()
      return await runUsageCommand(rest, {
        usageStore: stores.usageStore,
        priceOf: priced ? (model) => findModelEntry(config.models, model)?.price ?? null : null,
        today: quotaWindow(new Date(), config.quota.timezone).day,
        retentionDays: config.usage.retention_days,
        stdout: write,
        stderr: writeErr,
      })
    } catch (error) {
      writeErr(`error: ${(error as Error).message}`)
      return 1
    } finally {
      await stores.close()
    }
  }
  if (command === 'serve') {
    raiseFetchLimit()
    const serveLog = createLogger(config.log_level)
    startGateway(config, serveLog, { handleSignals: true, source: { file, env: process.env }, watchIntervalMs: 5000 })
    // Once serving: a gateway that cannot start (its store locked, its port taken) must still fail.
    installProcessGuards(serveLog)
    return -1 // keep running
  }
  writeErr(`unknown command ${JSON.stringify(command)}\n${USAGE}`)
  return 2
}

const code = await main(Bun.argv.slice(2))
if (code >= 0) process.exit(code)
