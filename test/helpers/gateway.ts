// Builds the real gateway for tests: from a file-shaped config object, with a temporary data
// directory, either as an app for `app.handle(new Request(...))` or listening on a loopback port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GatewayConfig } from '../../src/config/config-types'
import { applyEnvOverrides } from '../../src/config/env-overrides'
import { DEFAULT_MODELS, DEFAULT_TIERS } from '../../src/config/defaults'
import { normalizeConfig } from '../../src/config/normalize-config'
import { type Logger, silentLogger } from '../../src/logging/logger'
import { createGatewayMetrics } from '../../src/metrics/gateway-metrics'
import { createStreamTracker } from '../../src/proxy/stream-tracker'
import { buildRuntime } from '../../src/server/build-runtime'
import { composeApp } from '../../src/server/compose-app'
import { startGateway } from '../../src/server/start-gateway'

export function testConfig(raw: Record<string, unknown>, env: Record<string, string> = {}): GatewayConfig {
  const doc = structuredClone(raw)
  doc.models ??= structuredClone(DEFAULT_MODELS)
  doc.tiers ??= structuredClone(DEFAULT_TIERS)
  applyEnvOverrides(doc, env)
  const { config, problems } = normalizeConfig(doc, { source: 'test', lenientModels: false })
  if (problems.length) throw new Error(`bad test config:\n${problems.join('\n')}`)
  return config
}

export function tempDir(prefix = 'llmgw-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export function buildTestApp(config: GatewayConfig, options: { log?: Logger; now?: () => Date } = {}) {
  const dir = tempDir()
  config.store.data_dir = dir.path
  const metrics = createGatewayMetrics()
  const log = options.log ?? silentLogger
  const runtime = buildRuntime(config, log, metrics, options.now)
  const streams = createStreamTracker()
  const app = composeApp(config, runtime, { metrics, log, streams })
  return {
    app,
    metrics,
    runtime,
    streams,
    handle: (path: string, init: RequestInit = {}) => app.handle(new Request(`http://localhost${path}`, init)),
    /** Resolves once the store answers (a Redis store connects in the background). */
    ready: () => runtime.stores.ready(),
    async close() {
      await runtime.close()
      dir.remove()
    },
  }
}

export function listenTestGateway(config: GatewayConfig, options: { log?: Logger; port?: number } = {}) {
  const dir = tempDir()
  config.store.data_dir = dir.path
  config.server.host = '127.0.0.1'
  // A fixed port when the config must name its own URL (server.public_url).
  config.server.port = options.port ?? 0
  if (config.server.metrics_port !== null) config.server.metrics_port = 0
  const started = startGateway(config, options.log ?? silentLogger)
  return {
    url: `http://127.0.0.1:${started.port}`,
    metricsUrl: started.metricsPort === null ? null : `http://127.0.0.1:${started.metricsPort}`,
    async stop() {
      await started.stop()
      dir.remove()
    },
  }
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** The three backend shapes on one fake upstream: Anthropic, Chat Completions, and native Responses. */
export function threeBackendFormats(upstreamUrl: string) {
  return {
    claude: { format: 'anthropic', base_url: upstreamUrl },
    internal: { format: 'openai', base_url: `${upstreamUrl}/v1` },
    native: { format: 'openai', base_url: `${upstreamUrl}/v1`, responses: 'native' },
  }
}
