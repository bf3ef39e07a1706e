// Composes the gateway from its parts. Everything with a side effect (stores, authenticators,
// clocks) comes in as a dependency, so that tests build the same app with other parts.
import { Elysia } from 'elysia'
import type { GatewayConfig } from './config/config-types'
import type { Logger } from './logging/logger'
import type { GatewayMetrics } from './metrics/gateway-metrics'
import { type Authenticate, createIdentityResolver } from './plugins/auth'
import { errorHandlerPlugin } from './plugins/error-handler'
import { observePlugin } from './plugins/observe'
import { requestIdPlugin } from './plugins/request-id'
import { createProxy } from './proxy/proxy-llm-request'
import type { ClientFormat, QuotaLike, QuotaTicketLike, StreamTracker } from './proxy/proxy-types'
import type { QuotaStatus } from './quota/quota-service'
import { accountRoutes } from './routes/account-routes'
import { llmRoutes } from './routes/llm-routes'
import { opsRoutes } from './routes/ops-routes'
import { createModelResolver } from './routing/resolve-model'
import { createEndpointPools } from './upstream/create-endpoint-pools'
import type { EndpointPool } from './upstream/endpoint-pool'

export interface AppQuota extends QuotaLike {
  status(user: string, limits: { dailyRequests: number | null; dailyTokens: number | null }): Promise<QuotaStatus>
  healthy(): boolean
}

export interface AppDeps {
  config: GatewayConfig
  authenticate: Authenticate
  quota: AppQuota | null
  rateLimitHeaders: (ticket: QuotaTicketLike, format: ClientFormat) => Record<string, string>
  metrics: GatewayMetrics
  log: Logger
  streams: StreamTracker
  /** Extra route plugins (admin API, OpenAPI docs), mounted after the core routes. */
  plugins?: Elysia<any, any, any, any, any, any, any>[]
  /** Endpoint pools to use (kept across config reloads); built from the config when absent. */
  pools?: Map<string, EndpointPool>
  /** Set while shutting down, so that /ready turns 503. */
  isDraining?: () => boolean
}

export function createApp(deps: AppDeps) {
  const { config, metrics, log } = deps
  const identityOf = createIdentityResolver(deps.authenticate)
  const proxy = createProxy({
    resolveModel: createModelResolver(config),
    pools: deps.pools ?? createEndpointPools(config),
    tiers: config.tiers,
    quota: deps.quota,
    rateLimitHeaders: deps.rateLimitHeaders,
    metrics,
    log,
    streams: deps.streams,
  })
  const app = new Elysia({ name: 'llm-gateway' })
    .use(requestIdPlugin())
    .use(errorHandlerPlugin(log))
    .use(observePlugin(metrics, log))
    .use(
      opsRoutes({
        notReadyReason: () => {
          if (deps.isDraining?.()) return 'shutting down'
          if (deps.quota && !deps.quota.healthy()) return 'quota store unreachable'
          return null
        },
        renderMetrics: () => metrics.registry.render(),
      }),
    )
    .use(llmRoutes({ identityOf, maxBodyBytes: config.server.max_body_bytes, proxy }))
    .use(accountRoutes({ config, identityOf, quotaStatus: deps.quota ? (u, l) => deps.quota!.status(u, l) : null }))
  for (const plugin of deps.plugins ?? []) app.use(plugin)
  return app
}

export type GatewayApp = ReturnType<typeof createApp>
