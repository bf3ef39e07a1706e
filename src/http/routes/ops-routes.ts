// Liveness, readiness and metrics: unauthenticated, for the orchestrator and Prometheus.
import { Elysia } from 'elysia'

export interface OpsRouteDeps {
  /** Null when ready; otherwise why not (store down with on_store_error: reject, draining). */
  notReadyReason: () => string | null
  renderMetrics: () => string
}

export function opsRoutes(deps: OpsRouteDeps) {
  return new Elysia({ name: 'ops-routes' })
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
    .get('/metrics', () => new Response(deps.renderMetrics(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }), {
      detail: { summary: 'Prometheus metrics', tags: ['Operations'] },
    })
    // Claude Code warms its connection up with HEAD / (older versions HEAD /api/hello); answer it
    // rather than log 404s.
    .head('/', () => new Response(null, { status: 200 }))
    .head('/api/hello', () => new Response(null, { status: 200 }))
    .get('/api/hello', () => ({ status: 'ok' }))
}
