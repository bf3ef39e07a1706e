// The gateway's HTTP surface: the LLM routes, served ahead of Elysia because they are the hot path,
// and everything else (account, operations, admin, console, docs, sign-in, managed settings,
// telemetry) as Elysia route groups behind the body limit and deadline and the shared middleware (request id,
// error rendering, access log). It knows Request and Response; what it does with an LLM request is
// the proxy's business.
import { Elysia } from 'elysia'
import type { Authenticate } from '../auth/create-authenticator'
import type { Identity } from '../auth/identity'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import type { Proxy } from '../proxy/proxy-request'
import type { QuotaService } from '../quota/quota-service'
import { GatewayError } from '../errors/gateway-error'
import { watchBody } from './middleware/body-deadline'
import { refuseOversizedBody } from './middleware/body-limit'
import { createLlmHandler } from './llm/handle-llm-request'
import { llmRouteFor } from './llm/llm-routes'
import { type AddressSource, rememberServer } from './middleware/client-address'
import { errorFormatForPath, errorHandlerPlugin, errorResponse } from './middleware/error-handler'
import { observePlugin } from './middleware/observe'
import { MAX_JSON_DEPTH, nestedDeeperThan } from './middleware/json-depth'
import { createPrincipalResolver, type PrincipalOf } from './middleware/principal'
import { newRequestId, requestIdPlugin } from './middleware/request-id'
import { accountRoutes } from './routes/account-routes'
import { opsRoutes } from './routes/ops-routes'
import { oauthError } from './routes/sign-in/oauth-errors'

export interface HttpAppDeps {
  config: GatewayConfig
  authenticate: Authenticate
  /** Who calls a non-LLM route (a credential header, or the console's cookie); by default headers only. */
  principalOf?: PrincipalOf
  proxy: Proxy
  /** Null when counting is off (`quota.enabled: false`). */
  quota: Pick<QuotaService, 'status' | 'healthy'> | null
  metrics: GatewayMetrics
  log: Logger
  /** Route groups mounted after the core ones (the admin API, the docs). */
  routes?: Elysia<any, any, any, any, any, any, any>[]
  /** Set while shutting down, so that /ready turns 503. */
  isDraining?: () => boolean
}

export interface GatewayApp {
  /** Serves one request: the LLM routes directly, everything else through Elysia. `server` tells client addresses. */
  fetch(request: Request, server?: AddressSource): Response | Promise<Response>
  /** The same, always as a promise (for tests). */
  handle(request: Request, server?: AddressSource): Promise<Response>
}

/** Path and query string of a request URL, and where the path starts, without building a URL object. */
function splitUrl(url: string): { pathname: string; search: string; start: number } {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return { pathname: '/', search: '', start: url.length }
  const q = url.indexOf('?', start)
  return q === -1 ? { pathname: url.slice(start), search: '', start } : { pathname: url.slice(start, q), search: url.slice(q), start }
}

/**
 * Elysia finds a request's path at the first '/' from the 11th character of its URL, which assumes
 * a host of at least four characters. A shorter Host header (a Service named `llm` on port 80, or
 * one any client may write) would have it route by a tail of the path, not the path the body limit
 * was chosen for: `/admin/keys` would be routed as `/keys`, whose body Elysia reads before the
 * caller is known, with no limit. Nothing reads the host of a request's URL (`server.public_url`
 * names the gateway), so such a request is handed to Elysia under `localhost`.
 */
const ELYSIA_PATH_FROM = 11

function withRoutableUrl(request: Request, pathStart: number): Request {
  if (pathStart >= ELYSIA_PATH_FROM) return request
  const scheme = request.url.slice(0, request.url.indexOf('//') + 2)
  return new Request(`${scheme}localhost${request.url.slice(pathStart)}`, request)
}

export function createHttpApp(deps: HttpAppDeps): GatewayApp {
  const { config, metrics, log, quota } = deps
  const app = new Elysia({ name: 'llm-gateway' })
    .use(requestIdPlugin())
    .use(errorHandlerPlugin(log))
    .use(observePlugin(metrics, log))
    // A body Elysia parsed is bounded in size (./middleware/body-limit.ts) but not in depth, and a
    // schema check failing on a value nested thousands deep spends seconds of the only thread
    // describing it: refused before any schema sees it, as the LLM routes' reader refuses it.
    .onTransform({ as: 'global' }, ({ body }) => {
      if (body !== null && typeof body === 'object' && nestedDeeperThan(body)) {
        throw new GatewayError(400, 'invalid_request_error', `The request body is nested too deeply (more than ${MAX_JSON_DEPTH} levels).`)
      }
    })
    .use(
      opsRoutes({
        notReadyReason: () => {
          if (deps.isDraining?.()) return 'shutting down'
          if (quota && !quota.healthy()) return 'quota store unreachable'
          return null
        },
        renderMetrics: config.server.metrics_port === null ? () => metrics.registry.render() : null,
      }),
    )
    .use(
      accountRoutes({
        config,
        principalOf: deps.principalOf ?? createPrincipalResolver({ authenticate: deps.authenticate, sessions: null, adminKey: null, isAdmin: () => false }),
        quotaStatus: quota ? (u, l) => quota.status(u, l) : null,
      }),
    )
  for (const routes of deps.routes ?? []) app.use(routes)

  // Elysia's per-request work (hooks, context, response mapping) cost about a tenth of the
  // gateway's CPU per LLM request, so the LLM routes are dispatched first.
  const bodyTimeoutMs = config.server.body_timeout_s * 1000
  // A tier this config lacks is refused by the proxy, after the body: no bound here.
  const concurrentRequestsOf = (identity: Identity) => config.tiers[identity.tier]?.concurrent_requests ?? null
  const handleLlm = createLlmHandler({ authenticate: deps.authenticate, maxBodyBytes: config.server.max_body_bytes, bodyTimeoutMs, concurrentRequestsOf, proxy: deps.proxy, metrics, log })
  /** A body still arriving at server.body_timeout_s: 408 in the route's shape (RFC 6749's on the OAuth endpoints). */
  const lateBodyAnswer = (error: GatewayError, pathname: string): Response => {
    const id = newRequestId()
    const ids = { 'request-id': id, 'x-request-id': id }
    if (pathname.startsWith('/oauth/')) return oauthError(error.status, 'invalid_request', error.message, { ...error.headers, ...ids })
    return errorResponse(null, error, errorFormatForPath(pathname), log, pathname, ids)
  }
  const elysiaFetch = app.fetch
  const fetch = (request: Request, server?: AddressSource): Response | Promise<Response> => {
    const { pathname, search, start } = splitUrl(request.url)
    if (request.method === 'POST') {
      const route = llmRouteFor(pathname)
      if (route) return handleLlm(request, route, search, server)
    }
    const refused = refuseOversizedBody(request, pathname, config.server.max_body_bytes, log)
    if (refused) return refused
    const routable = withRoutableUrl(request, start)
    const watch = watchBody(routable, bodyTimeoutMs)
    if (watch === null) {
      rememberServer(routable, server, request)
      return elysiaFetch(routable)
    }
    rememberServer(watch.request, server, request)
    const late = watch.late.catch((error: GatewayError) => lateBodyAnswer(error, pathname))
    return Promise.race([elysiaFetch(watch.request), late]).finally(watch.done)
  }
  return { fetch, handle: async (request, server) => fetch(request, server) }
}
