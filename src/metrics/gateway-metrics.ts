// The gateway's metrics: the contract's names and labels, plus upstream latency, time to first
// token, tokens, quota and limit rejections, store errors, open streams and event-loop lag.
import { Counter, Gauge, Histogram, Registry } from './registry'

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/** Users shown by gateway_quota_used per quota day; more would let one day's users grow the scrape without bound. */
export const MAX_QUOTA_USED_SERIES = 1000

export function createGatewayMetrics() {
  const registry = new Registry()
  const quotaUsed = registry.register(new Gauge('gateway_quota_used', 'Requests counted today, by user (series start over each quota day; at most 1000 users a day).'))
  let quotaDay = ''
  return {
    registry,
    quotaUsed,
    /** Sets a user's count of the day; a new quota day drops yesterday's series. */
    recordQuotaUsed(user: string, used: number, day: string) {
      if (day !== quotaDay) {
        if (day < quotaDay) return // a request still counted on yesterday, after midnight
        quotaDay = day
        quotaUsed.clear()
      }
      if (quotaUsed.size >= MAX_QUOTA_USED_SERIES && !quotaUsed.has({ user })) return
      quotaUsed.set({ user }, used)
    },
    limitRejections: registry.register(new Counter('gateway_limit_rejections_total', 'Requests refused with 429 by a per-user limit, by tier and limit.')),
    eventLoopLag: registry.register(new Gauge('gateway_event_loop_lag_seconds', 'How late the event loop ran a timer, the most over the last probe period: the wait every request shares.')),
    requests: registry.register(new Counter('gateway_requests_total', 'Requests answered, by tier, endpoint and status.')),
    duration: registry.register(new Histogram('gateway_request_duration_seconds', 'Time to the response headers, by tier and endpoint.', LATENCY_BUCKETS)),
    routes: registry.register(new Counter('gateway_model_routes_total', 'Routing decisions, requested model to routed model.')),
    upstreamDuration: registry.register(new Histogram('gateway_upstream_duration_seconds', 'Upstream time to response headers, by backend.', LATENCY_BUCKETS)),
    timeToFirstToken: registry.register(new Histogram('gateway_time_to_first_token_seconds', 'Time to the first streamed byte, by backend.', LATENCY_BUCKETS)),
    tokens: registry.register(new Counter('gateway_tokens_total', 'Tokens reported by upstreams, by tier and direction (input, output).')),
    quotaRejections: registry.register(new Counter('gateway_quota_rejections_total', 'Requests refused with 429 because the daily quota was used up, by tier.')),
    storeErrors: registry.register(new Counter('gateway_store_errors_total', 'Quota or key store operations that failed, by store.')),
    openStreams: registry.register(new Gauge('gateway_open_streams', 'Streams being relayed right now.')),
    upstreamErrors: registry.register(new Counter('gateway_upstream_errors_total', 'Upstream failures, by backend and kind.')),
    telemetryForwarded: registry.register(new Counter('gateway_telemetry_forwarded_total', 'OTLP batches forwarded to a telemetry.forward_to collector.')),
    telemetryDropped: registry.register(new Counter('gateway_telemetry_dropped_total', 'OTLP batches not forwarded, by reason (queue_full, collector_error, closed).')),
  }
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>
