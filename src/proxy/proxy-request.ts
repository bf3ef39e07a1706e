// What the pipeline takes in and what it needs from the rest of the gateway, as narrow types, so
// that a test builds the same pipeline with fake stores and a fake backend.
import type { Identity } from '../auth/identity'
import type { TierConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import type { LimitService } from '../limits/limit-service'
import type { LlmEndpoint, WireFormat } from '../protocol/vocabulary'
import type { QuotaService } from '../quota/quota-service'
import type { ModelResolver } from '../routing/resolve-model'
import type { UsageLedger } from '../usage/usage-ledger'
import type { EndpointPool } from '../upstream/endpoint-pool'
import type { RequestRecord } from './request-record'

/** One LLM request, authenticated and with its body read and checked by the HTTP edge. */
export interface ProxyRequest {
  /** The client's wire format (the route it called). */
  format: WireFormat
  endpoint: LlmEndpoint
  body: Record<string, unknown>
  identity: Identity
  /** Sent back as `request-id` and `x-request-id` on every answer, and upstream as `x-request-id`. */
  requestId: string
  headers: Headers
  /** The client's query string (Claude Code sends `?beta=true`); forwarded on passthrough only. */
  search: string
  /** Aborts when the client goes away. */
  signal: AbortSignal | null
  /** Filled in for the access log: backend, routed model, tokens, stream end. */
  record?: RequestRecord
}

export type Proxy = (req: ProxyRequest) => Promise<Response>

/** Counts open streams so that shutdown can wait for them. */
export interface StreamTracker {
  open(): void
  close(): void
  readonly count: number
}

export interface ProxyDeps {
  resolveModel: ModelResolver
  /** Endpoint pools by backend name (backends with no pool call their base_url directly). */
  pools: Map<string, EndpointPool>
  tiers: Record<string, TierConfig>
  /** Null when counting is off (`quota.enabled: false`). */
  quota: Pick<QuotaService, 'admit'> | null
  /** The per-user limits (concurrent requests, per minute); null leaves them out (tests of other steps). */
  limits: LimitService | null
  metrics: GatewayMetrics
  log: Logger
  streams: StreamTracker
  /** Counts the tokens of count_tokens' text off the serving thread; absent: counted in place (tests). */
  countTextTokens?: (text: string) => Promise<number>
  /** Where finished requests are counted for usage reports; absent or null when the ledger is off. */
  ledger?: Pick<UsageLedger, 'record'> | null
}
