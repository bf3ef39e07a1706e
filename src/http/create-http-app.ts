// Composes the gateway from its parts. Everything with a side effect (stores, authenticators,
// clocks) comes in as a dependency, so that tests build the same app with other parts.
import { Elysia } from 'elysia'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import type { Authenticate } from '../auth/create-authenticator'
import { errorHandlerPlugin } from './middleware/error-handler'
import { observePlugin } from './middleware/observe'
import { requestIdPlugin } from './middleware/request-id'
import { createProxy } from '../proxy/create-proxy'
import type { ClientFormat, QuotaLike, QuotaTicketLike, StreamTracker } from '../proxy/proxy-types'
import type { QuotaStatus } from '../quota/quota-service'
import { accountRoutes } from './routes/account-routes'
import { createLlmHandler } from './llm/handle-llm-request'
import { llmRouteFor } from './llm/llm-routes'
import { opsRoutes } from './routes/ops-routes'
import { createModelResolver } from '../routing/resolve-model'
import { createEndpointPools } from '../upstream/create-endpoint-pools'
import type { EndpointPool } from '../upstream/endpoint-pool'

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

export interface GatewayApp {
  /** Serves one request: the LLM routes directly, everything else through Elysia. */
  fetch(request: Request): Response | Promise<Response>
  /** The same, always as a promise (for tests). */
  handle(request: Request): Promise<Response>
}

/** Path and query string of a request URL, without building a URL object. */
function splitUrl(url: string): { pathname: string; search: string } {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return { pathname: '/', search: '' }
  const q = url.indexOf('?', start)
  return q === -1 ? { pathname: url.slice(start), search: '' } : { pathname: url.slice(start, q), search: url.slice(q) }
}

export function createApp(deps: AppDeps): GatewayApp {
  const { config, metrics, log } = deps
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
    .use(accountRoutes({ config, authenticate: deps.authenticate, quotaStatus: deps.quota ? (u, l) => deps.quota!.status(u, l) : null }))
  for (const plugin of deps.plugins ?? []) app.use(plugin)

  // The LLM routes are the hot path: Elysia's per-request work (hooks, context, response mapping)
  // cost about a tenth of the gateway's CPU per request there, so they are dispatched first.
  const handleLlm = createLlmHandler({ authenticate: deps.authenticate, maxBodyBytes: config.server.max_body_bytes, proxy, metrics, log })
  const elysiaFetch = app.fetch
  const fetch = (request: Request): Response | Promise<Response> => {
    if (request.method === 'POST') {
      const { pathname, search } = splitUrl(request.url)
      const route = llmRouteFor(pathname)
      if (route) return handleLlm(request, route, search)
    }
    return elysiaFetch(request)
  }
  return { fetch, handle: async (request) => fetch(request) }
}
