// The gateway's metrics: the contract's names and labels, plus upstream latency, time to first
// token, tokens, quota rejections, store errors and open streams (issue 7).
import { Counter, Gauge, Histogram, Registry } from './registry'

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

export function createGatewayMetrics() {
  const registry = new Registry()
  return {
    registry,
    requests: registry.register(new Counter('gateway_requests_total', 'Requests answered, by tier, endpoint and status.')),
    duration: registry.register(new Histogram('gateway_request_duration_seconds', 'Time to the response headers, by tier and endpoint.', LATENCY_BUCKETS)),
    quotaUsed: registry.register(new Gauge('gateway_quota_used', 'Requests counted today, by user.')),
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
