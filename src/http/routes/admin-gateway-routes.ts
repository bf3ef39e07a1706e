// The operator's view of the gateway itself: each backend's endpoints with their health, circuit
// state and requests in flight (GET /admin/backends), the routing table per tier (GET
// /admin/routing), and what a tier asking for a model gets (GET /admin/routing/simulate).
import { Elysia, t } from 'elysia'
import type { GatewayConfig } from '../../config/config-types'
import { GatewayError } from '../../errors/gateway-error'
import type { ModelResolver } from '../../routing/resolve-model'
import type { EndpointPool } from '../../upstream/endpoint-pool'
import { type PrincipalOf, requireAdmin } from '../middleware/principal'

export interface AdminGatewayDeps {
  principalOf: PrincipalOf
  config: GatewayConfig
  pools: Map<string, EndpointPool>
  resolveModel: ModelResolver
}

/** A URL without the credentials it may carry. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return '(invalid URL)'
  }
}

export function adminGatewayRoutes(deps: AdminGatewayDeps) {
  const { config } = deps
  return new Elysia({ name: 'admin-gateway' })
    .onBeforeHandle({ as: 'local' }, async ({ request }) => {
      requireAdmin(await deps.principalOf(request))
    })
    .get('/admin/backends', () => ({
      data: Object.values(config.backends).map((b) => {
        const endpoints = deps.pools.get(b.name)?.snapshot() ?? []
        return {
          name: b.name,
          format: b.format,
          models: config.models.filter((m) => m.backend === b.name).map((m) => m.pattern),
          endpoints: endpoints.map((e) => ({
            url: shownUrl(e.url),
            healthy: !e.open,
            circuit: e.open ? 'open' : e.failures > 0 ? 'failing' : 'closed',
            consecutive_failures: e.failures,
            in_flight: e.outstanding,
          })),
        }
      }),
    }))
    .get('/admin/routing', () => ({
      tiers: Object.values(config.tiers).map((tier) => ({
        name: tier.name,
        daily_requests: tier.daily_requests,
        daily_tokens: tier.daily_tokens,
        self_service_keys: tier.self_service_keys,
        models: tier.models,
        routes: tier.routes.map(([from, to]) => ({ from, to })),
      })),
      models: config.models.map((m) => ({ name: m.pattern, backend: m.backend, upstream_model: m.upstream_model ?? m.pattern, fallbacks: m.fallbacks, price: m.price })),
    }))
    .get(
      '/admin/routing/simulate',
      ({ query }) => {
        if (!Object.hasOwn(config.tiers, query.tier)) throw new GatewayError(400, 'invalid_request_error', `unknown tier "${query.tier}"`, { param: 'tier' })
        try {
          const target = deps.resolveModel(query.model, query.tier)
          return { tier: query.tier, requested: query.model, allowed: true, model: target.model, backend: target.backend.name, upstream_model: target.upstreamModel, fallbacks: target.fallbacks.map((f) => f.model) }
        } catch (error) {
          if (!(error instanceof GatewayError)) throw error
          return { tier: query.tier, requested: query.model, allowed: false, status: error.status, reason: error.message }
        }
      },
      { query: t.Object({ tier: t.String({ minLength: 1, maxLength: 64 }), model: t.String({ minLength: 1, maxLength: 256 }) }) },
    )
}
