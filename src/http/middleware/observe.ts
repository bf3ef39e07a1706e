// One access-log line and the request metrics per response: request id, user, tier, endpoint,
// requested and routed model, backend, status, latency and tokens. Never a credential or a prompt.
// The LLM routes call `observeRequest` themselves (they are served ahead of Elysia); the plugin
// does the same for the account routes.
import { Elysia } from 'elysia'
import type { Identity } from '../../auth/identity'
import type { Logger } from '../../logging/logger'
import type { GatewayMetrics } from '../../metrics/gateway-metrics'
import type { RequestRecord } from '../../proxy/request-record'
import { requestMeta } from './request-id'

const ENDPOINTS: Record<string, string> = {
  '/v1/models': 'models',
  '/v1/v1/models': 'models',
  '/quota': 'quota',
  '/managed/settings': 'managed_settings',
  '/v1/metrics': 'telemetry',
  '/v1/logs': 'telemetry',
  '/v1/traces': 'telemetry',
  '/oauth/token': 'oauth_token',
  '/oauth/device_authorization': 'oauth_device',
}

interface ObservedRequest {
  endpoint: string
  identity: Identity | undefined
  record: RequestRecord | undefined
  status: number
  requestedModel: string | undefined
}

export function observeRequest(metrics: GatewayMetrics, log: Logger, o: ObservedRequest): void {
  const { identity, record: m } = o
  const tier = identity?.tier ?? 'none'
  const seconds = m === undefined ? 0 : (performance.now() - m.startedAt) / 1000
  metrics.requests.inc({ tier, endpoint: o.endpoint, status: String(o.status) })
  metrics.duration.observe({ tier, endpoint: o.endpoint }, seconds)
  if (!log.enabled('info')) return
  // A streamed answer is logged when the stream ends, with its tokens and how it ended.
  if (m?.streamEnd) {
    const started = m.startedAt
    void m.streamEnd.then((outcome) => log.info('request', accessLine(o, m, seconds, outcome, Math.round(performance.now() - started))))
  } else {
    log.info('request', accessLine(o, m, seconds, undefined, undefined))
  }
}

function accessLine(o: ObservedRequest, m: RequestRecord | undefined, seconds: number, stream: string | undefined, durationMs: number | undefined) {
  return {
    request_id: m?.requestId,
    client_request_id: m?.clientRequestId,
    user: o.identity?.user,
    tier: o.identity?.tier,
    endpoint: o.endpoint,
    requested_model: o.requestedModel,
    routed_model: m?.routedModel,
    backend: m?.backend,
    status: o.status,
    latency_ms: Math.round(seconds * 1000),
    stream,
    duration_ms: durationMs,
    input_tokens: m?.usage?.input_tokens,
    output_tokens: m?.usage?.output_tokens,
  }
}

export function observePlugin(metrics: GatewayMetrics, log: Logger) {
  return new Elysia({ name: 'observe' }).onAfterResponse({ as: 'global' }, (ctx) => {
    const endpoint = ENDPOINTS[ctx.path]
    if (!endpoint) return
    const c = ctx as typeof ctx & { identity?: Identity; response?: unknown }
    const response = c.response instanceof Response ? c.response : null
    const status = response?.status ?? (typeof ctx.set.status === 'number' ? ctx.set.status : 200)
    observeRequest(metrics, log, { endpoint, identity: c.identity, record: requestMeta(ctx.request), status, requestedModel: undefined })
  })
}
