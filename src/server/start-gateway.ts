// Starts the gateway from a loaded configuration (TLS on the listener when `server.tls` is set),
// reloads it without dropping requests (SIGHUP or a change of the config file), and stops it gracefully: on SIGTERM it stops accepting, lets in-flight
// requests and streams finish within drain_timeout_s, then exits 0.
import { unwatchFile, watchFile } from 'node:fs'
import type { GatewayConfig } from '../config/config-types'
import { DEMO_KEY } from '../config/defaults'
import { loadConfig } from '../config/load-config'
import type { Logger } from '../logging/logger'
import { metricsListenerFetch } from '../http/routes/ops-routes'
import { watchEventLoopLag } from '../metrics/event-loop-lag'
import { createGatewayMetrics } from '../metrics/gateway-metrics'
import { createStreamTracker } from '../proxy/stream-tracker'
import type { StoreParts } from '../stores/open-stores'
import { buildRuntime, type Runtime } from './build-runtime'
import { composeApp } from './compose-app'

export interface StartedGateway {
  port: number
  /** The port of the metrics listener; null when /metrics is on the API port. */
  metricsPort: number | null
  /** Loads the config again; keeps the running one when the new one has problems. */
  reload(): { ok: boolean; problems: string[] }
  stop(): Promise<void>
}

export interface StartOptions {
  now?: () => Date
  handleSignals?: boolean
  /** Where the config came from, for reloads: the file given on the command line, and the environment. */
  source?: { file: string | null; env: Record<string, string | undefined> }
  /** Poll the config file for changes (a Kubernetes ConfigMap update) every this many ms; 0 = off. */
  watchIntervalMs?: number
}

/** Settings that only take effect on a restart: the listener and the store. */
function restartOnlyChanges(a: GatewayConfig, b: GatewayConfig): string[] {
  const changed: string[] = []
  if (a.server.port !== b.server.port || a.server.host !== b.server.host || a.server.metrics_port !== b.server.metrics_port) changed.push('server.host/port/metrics_port')
  if (JSON.stringify(a.server.tls) !== JSON.stringify(b.server.tls)) changed.push('server.tls')
  if (JSON.stringify(a.store) !== JSON.stringify(b.store)) changed.push('store')
  return changed
}

export function startGateway(initial: GatewayConfig, log: Logger, options: StartOptions = {}): StartedGateway {
  const metrics = createGatewayMetrics()
  const streams = createStreamTracker()
  let config = initial
  let runtime = buildRuntime(config, log, metrics, options.now)
  const stores: StoreParts = runtime.stores
  let draining = false
  const parts = { metrics, log, streams, isDraining: () => draining }
  // Requests go through `current`, so that a reload swaps the whole app for new requests while
  // requests in flight finish on the one they started on.
  let current = composeApp(config, runtime, parts)
  const server = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    fetch: (request, server) => current.fetch(request, server),
    // The gateway enforces max_body_bytes itself on every route, with an error in the client's
    // shape (http/middleware/body-limit.ts, the LLM routes' reader); Bun's own limit would answer
    // an empty 413 before the gateway sees the request, so it is set out of the way.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Streams and long non-streaming generations may be silent for minutes. Request headers have a
    // deadline of Bun's own (about 10 s, however steadily they trickle in; test/slow-clients.test.ts
    // holds it to that), and a body server.body_timeout_s (read-json-body.ts).
    idleTimeout: 255,
    // Claude Code insists on https beyond loopback, and an air-gapped host may have no ingress.
    ...(config.server.tls ? { tls: { cert: Bun.file(config.server.tls.cert_file), key: Bun.file(config.server.tls.key_file) } } : {}),
  })
  const metricsServer =
    config.server.metrics_port === null
      ? null
      : Bun.serve({ hostname: config.server.host, port: config.server.metrics_port, fetch: metricsListenerFetch(() => metrics.registry.render()), idleTimeout: 30 })
  const stopLagWatch = watchEventLoopLag(metrics.eventLoopLag)
  log.info('listening', {
    url: `${config.server.tls ? 'https' : 'http'}://${config.server.host}:${server.port}`,
    metrics: metricsServer ? `http://${config.server.host}:${metricsServer.port}/metrics` : 'on the API port',
    public_url: config.server.public_url ?? undefined,
    sign_in: config.auth.keycloak?.client_id ? 'on' : 'off',
    config: config.source,
    store: config.store.redis_url ? 'redis' : 'sqlite',
    demo: config.demo,
  })
  if (config.demo) {
    log.warn('demo mode: no backend is configured, every model is answered by the built-in demo backend', {
      try: `curl -s http://localhost:${server.port}/v1/messages -H 'x-api-key: ${DEMO_KEY}' -H 'content-type: application/json' -d '{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}'`,
    })
  }

  function reload(): { ok: boolean; problems: string[] } {
    if (!options.source) return { ok: false, problems: ['no config source to reload from'] }
    const { config: next, problems } = loadConfig(options.source)
    if (problems.length > 0) {
      log.error('config reload refused; keeping the running config', { problems })
      return { ok: false, problems }
    }
    const ignored = restartOnlyChanges(config, next)
    if (ignored.length > 0) log.warn('config reload: these settings take effect on restart only', { settings: ignored })
    next.server = config.server
    next.store = config.store
    // Whatever a new config does to the parts built from it, the running one stays: one ConfigMap
    // edit reaches every pod at once, and must never take them all down.
    let nextRuntime: Runtime | undefined
    try {
      nextRuntime = buildRuntime(next, log, metrics, options.now, stores)
      current = composeApp(next, nextRuntime, parts)
    } catch (error) {
      nextRuntime?.retire()
      const problem = `${next.source}: could not be applied (${error instanceof Error ? error.message : String(error)})`
      log.error('config reload refused; keeping the running config', { problems: [problem] })
      return { ok: false, problems: [problem] }
    }
    runtime.retire()
    runtime = nextRuntime
    config = next
    log.info('config reloaded', { config: next.source, backends: Object.keys(next.backends), models: next.models.length })
    return { ok: true, problems: [] }
  }

  const configFile = options.source?.file ?? options.source?.env.GATEWAY_CONFIG ?? null
  if (configFile && options.watchIntervalMs) {
    watchFile(configFile, { interval: options.watchIntervalMs }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) {
        log.info('config file changed', { file: configFile })
        reload()
      }
    })
  }

  let stopping: Promise<void> | null = null
  const stop = () =>
    (stopping ??= (async () => {
      draining = true
      if (configFile) unwatchFile(configFile)
      log.info('draining', { open_streams: streams.count, pending_requests: server.pendingRequests, timeout_s: config.server.drain_timeout_s })
      const graceful = server.stop(false)
      const timeout = Bun.sleep(config.server.drain_timeout_s * 1000).then(() => 'timeout' as const)
      const result = await Promise.race([Promise.all([graceful, streams.idle()]).then(() => 'drained' as const), timeout])
      if (result === 'timeout') {
        log.warn('drain timeout reached; closing remaining connections', { open_streams: streams.count })
        await server.stop(true)
      }
      await runtime.close().catch((error) => log.error('closing the stores failed; counts not yet written are lost', { error: String(error) }))
      stopLagWatch()
      metricsServer?.stop(true)
      log.info('stopped', { result })
    })())

  if (options.handleSignals) {
    const onSignal = (signal: string) => {
      log.info('signal', { signal })
      void stop().then(() => process.exit(0))
    }
    process.on('SIGTERM', () => onSignal('SIGTERM'))
    process.on('SIGINT', () => onSignal('SIGINT'))
    process.on('SIGHUP', () => {
      log.info('signal', { signal: 'SIGHUP' })
      reload()
    })
  }
  return { port: server.port!, metricsPort: metricsServer?.port ?? null, reload, stop }
}
