// Starts the gateway from a loaded configuration and stops it gracefully: on SIGTERM it stops
// accepting, lets in-flight requests and streams finish within drain_timeout_s, then exits 0.
import { openapi } from '@elysiajs/openapi'
import { createApp } from './app'
import type { GatewayConfig } from './config/config-types'
import { DEMO_KEY } from './config/default-config'
import type { Logger } from './logging/logger'
import { createGatewayMetrics } from './metrics/gateway-metrics'
import { createStreamTracker } from './proxy/stream-tracker'
import { rateLimitHeaders } from './quota/rate-limit-headers'
import { adminKeysRoutes, isKeycloakAdmin } from './routes/admin-keys'
import { buildRuntime } from './runtime/build-runtime'

export interface StartedGateway {
  port: number
  stop(): Promise<void>
}

export const VERSION = '0.1.0'

export function startGateway(config: GatewayConfig, log: Logger, options: { now?: () => Date; handleSignals?: boolean } = {}): StartedGateway {
  const metrics = createGatewayMetrics()
  const runtime = buildRuntime(config, log, metrics, options.now)
  const streams = createStreamTracker()
  let draining = false
  const app = createApp({
    config,
    authenticate: runtime.authenticate,
    quota: runtime.quota,
    rateLimitHeaders,
    metrics,
    log,
    streams,
    isDraining: () => draining,
    plugins: [
      adminKeysRoutes({
        keyStore: runtime.keyStore,
        ...(config.auth.admin_key ? { adminKey: config.auth.admin_key } : {}),
        isAdmin: isKeycloakAdmin,
        authenticate: runtime.authenticate,
        tiers: Object.keys(config.tiers),
      }),
      openapi({
        path: '/docs',
        documentation: { info: { title: 'llm-gateway', version: VERSION, description: 'One front door for Claude Code and OpenAI-compatible tools.' } },
      }),
    ],
  })
  app.listen({
    hostname: config.server.host,
    port: config.server.port,
    // The gateway enforces max_body_bytes itself, with a clear error; this is only a backstop.
    maxRequestBodySize: config.server.max_body_bytes + 1024 * 1024,
    // Streams and long non-streaming generations may be silent for minutes.
    idleTimeout: 255,
  })
  const server = app.server!
  log.info('listening', { url: `http://${config.server.host}:${server.port}`, config: config.source, store: config.store.redis_url ? 'redis' : 'sqlite', demo: config.demo })
  if (config.demo) {
    log.warn('demo mode: no backend is configured, every model is answered by the built-in demo backend', {
      try: `curl -s http://localhost:${server.port}/v1/messages -H 'x-api-key: ${DEMO_KEY}' -H 'content-type: application/json' -d '{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}'`,
    })
  }

  let stopping: Promise<void> | null = null
  const stop = () =>
    (stopping ??= (async () => {
      draining = true
      log.info('draining', { open_streams: streams.count, pending_requests: server.pendingRequests, timeout_s: config.server.drain_timeout_s })
      const graceful = server.stop(false)
      const timeout = Bun.sleep(config.server.drain_timeout_s * 1000).then(() => 'timeout' as const)
      const result = await Promise.race([Promise.all([graceful, streams.idle()]).then(() => 'drained' as const), timeout])
      if (result === 'timeout') {
        log.warn('drain timeout reached; closing remaining connections', { open_streams: streams.count })
        await server.stop(true)
      }
      await runtime.close().catch(() => {})
      log.info('stopped', { result })
    })())

  if (options.handleSignals) {
    const onSignal = (signal: string) => {
      log.info('signal', { signal })
      void stop().then(() => process.exit(0))
    }
    process.on('SIGTERM', () => onSignal('SIGTERM'))
    process.on('SIGINT', () => onSignal('SIGINT'))
  }
  return { port: server.port!, stop }
}
