// Liveness, readiness and metrics: unauthenticated, for the orchestrator and Prometheus. /metrics is
// served by a listener of its own (server.metrics_port, see metricsListenerFetch) unless the config
// puts it on the API port: it shows users and tiers, which the API port, facing clients, must not.
import { Elysia } from 'elysia'

export interface OpsRouteDeps {
  /** Null when ready; otherwise why not (store down with on_store_error: reject, draining). */
  notReadyReason: () => string | null
  /** Set when /metrics is served on the API port (server.metrics_port: null). */
  renderMetrics: (() => string) | null
}

const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** The whole of the metrics listener: GET /metrics, and 404 for anything else. */
export function metricsListenerFetch(renderMetrics: () => string): (request: Request) => Response {
  return (request) => {
    const path = new URL(request.url).pathname
    if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) return new Response(renderMetrics(), { headers: { 'content-type': METRICS_CONTENT_TYPE } })
    return new Response('not found\n', { status: 404 })
  }
}

export function opsRoutes(deps: OpsRouteDeps) {
  const app = new Elysia({ name: 'ops-routes' })
    .get('/health', () => ({ status: 'ok' }), { detail: { summary: 'Liveness', tags: ['Operations'] } })
    .get(
      '/ready',
      ({ set }) => {
        const reason = deps.notReadyReason()
        if (reason === null) return { status: 'ready' }
        set.status = 503
        return { status: 'not_ready', reason }
      },
      { detail: { summary: 'Readiness', tags: ['Operations'] } },
    )
    // Claude Code warms its connection up with HEAD / (older versions HEAD /api/hello); answer it
    // rather than log 404s.
    .head('/', () => new Response(null, { status: 200 }))
    .head('/api/hello', () => new Response(null, { status: 200 }))
    .get('/api/hello', () => ({ status: 'ok' }))
  const render = deps.renderMetrics
  if (render === null) return app
  return app.get('/metrics', () => new Response(render(), { headers: { 'content-type': METRICS_CONTENT_TYPE } }), {
    detail: { summary: 'Prometheus metrics (on the API port only with server.metrics_port: null)', tags: ['Operations'] },
  })
}
