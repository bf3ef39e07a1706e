// What the proxy needs from the rest of the gateway, as narrow interfaces, so that tests can build
// it with other parts and the quota and auth layers stay independent of it.
import type { Identity } from '../auth/identity'
import type { TierConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { RequestRecord } from './request-record'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import type { QuotaService } from '../quota/quota-service'
import type { QuotaTicket } from '../quota/quota-ticket'
import type { ModelResolver } from '../routing/resolve-model'
import type { EndpointPool } from '../upstream/endpoint-pool'

export type ClientFormat = 'anthropic' | 'openai'
export type ClientEndpoint = 'messages' | 'count_tokens' | 'chat_completions'

export type QuotaTicketLike = QuotaTicket
export type QuotaLike = Pick<QuotaService, 'admit'>

export interface ProxyDeps {
  resolveModel: ModelResolver
  /** Endpoint pools by backend name (backends with no pool call their base_url directly). */
  pools: Map<string, EndpointPool>
  tiers: Record<string, TierConfig>
  quota: QuotaLike | null
  rateLimitHeaders: (ticket: QuotaTicketLike, format: ClientFormat) => Record<string, string>
  metrics: GatewayMetrics
  log: Logger
  streams: StreamTracker
}

export interface ProxyRequest {
  format: ClientFormat
  endpoint: ClientEndpoint
  body: Record<string, unknown>
  identity: Identity
  /** Sent back as `request-id` and `x-request-id` on every answer, and upstream as `x-request-id`. */
  requestId: string
  headers: Headers
  search: string
  signal: AbortSignal | null
  /** Filled in for the access log: backend, routed model, tokens, stream end. */
  record?: RequestRecord
}

/** Counts open streams so that shutdown can wait for them. */
export interface StreamTracker {
  open(): void
  close(): void
  readonly count: number
}
