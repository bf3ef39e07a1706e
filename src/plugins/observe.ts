// One access-log line and the request metrics per response: request id, user, tier, endpoint,
// requested and routed model, backend, status, latency and tokens. Never a credential or a prompt.
import { Elysia } from 'elysia'
import type { Identity } from '../auth/identity'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { requestMeta } from './request-id'

const ENDPOINTS: Record<string, string> = {
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count_tokens',
  '/v1/chat/completions': 'chat_completions',
  '/v1/models': 'models',
  '/quota': 'quota',
}

export function observePlugin(metrics: GatewayMetrics, log: Logger) {
  return new Elysia({ name: 'observe' }).onAfterResponse({ as: 'global' }, (ctx) => {
    const endpoint = ENDPOINTS[ctx.path]
    if (!endpoint) return
    const c = ctx as typeof ctx & { identity?: Identity; response?: unknown }
    const m = requestMeta(ctx.request)
    const response = c.response instanceof Response ? c.response : null
    const status = response?.status ?? (typeof ctx.set.status === 'number' ? ctx.set.status : 200)
    const tier = c.identity?.tier ?? 'none'
    const seconds = m === undefined ? 0 : (performance.now() - m.startedAt) / 1000
    metrics.requests.inc({ tier, endpoint, status: String(status) })
    metrics.duration.observe({ tier, endpoint }, seconds)
    const line = {
      request_id: m?.requestId,
      user: c.identity?.user,
      tier: c.identity?.tier,
      endpoint,
      requested_model: (ctx.body as { model?: unknown } | undefined)?.model,
      routed_model: m?.routedModel,
      backend: m?.backend,
      status,
      latency_ms: Math.round(seconds * 1000),
    }
    // A streamed answer is logged when the stream ends, with its tokens and how it ended.
    if (m?.streamEnd) {
      void m.streamEnd.then((outcome) =>
        log.info('request', { ...line, stream: outcome, duration_ms: Math.round(performance.now() - m.startedAt), input_tokens: m.usage?.input_tokens, output_tokens: m.usage?.output_tokens }),
      )
    } else {
      log.info('request', { ...line, input_tokens: m?.usage?.input_tokens, output_tokens: m?.usage?.output_tokens })
    }
  })
}
