// The caller's own view: the models their tier can reach, their quota today, and their profile
// (tier, what each requested name routes to, whether they may manage their own keys). With a
// credential header, or the console's session cookie.
import { Elysia } from 'elysia'
import type { GatewayConfig, TierConfig } from '../../config/config-types'
import { usageSubject } from '../../auth/identity'
import type { QuotaStatus } from '../../quota/quota-service'
import { configuredTier } from '../../routing/resolve-model'
import { listTierModels } from '../../routing/list-tier-models'
import { type PrincipalOf, userOf } from '../middleware/principal'

export interface AccountRouteDeps {
  config: GatewayConfig
  principalOf: PrincipalOf
  quotaStatus: ((user: string, limits: { dailyRequests: number | null; dailyTokens: number | null }) => Promise<QuotaStatus>) | null
}

export function accountRoutes(deps: AccountRouteDeps) {
  const { config } = deps
  const modelList = (tier: TierConfig) => {
    const data = listTierModels(config, tier)
    return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, models: [] }
  }
  return new Elysia({ name: 'account-routes' })
    .derive(async ({ request }) => {
      const principal = await deps.principalOf(request)
      const identity = userOf(principal)
      return { principal, identity, tier: configuredTier(config, identity.tier) }
    })
    // `models` is for Codex, which reads this route when its provider's model_catalog_url points
    // here and refuses an answer without the key. Its entries would be Codex's own model metadata
    // (prompts, tool kinds), which the gateway does not have: an empty catalogue keeps Codex on its
    // fallback metadata for the gateway's models.
    .get('/v1/models', ({ tier }) => modelList(tier), { detail: { summary: "Models the caller's tier can reach", tags: ['Account'] } })
    // The same for a base URL that ends in /v1 (see canonicalLlmPath).
    .get('/v1/v1/models', ({ tier }) => modelList(tier), { detail: { hide: true } })
    .get(
      '/quota',
      async ({ identity, tier }) => {
        const limits = { dailyRequests: tier.daily_requests, dailyTokens: tier.daily_tokens }
        const status = deps.quotaStatus ? await deps.quotaStatus(usageSubject(identity), limits) : { limit: null, used: 0, remaining: null, resets_at: null }
        return { user: identity.user, tier: identity.tier, ...status }
      },
      { detail: { summary: "The caller's daily quota", tags: ['Account'] } },
    )
    .get(
      '/account',
      ({ identity, tier, principal }) => ({
        user: identity.user,
        name: identity.name ?? null,
        tier: tier.name,
        admin: principal.admin,
        self_service_keys: tier.self_service_keys,
        daily_requests: tier.daily_requests,
        daily_tokens: tier.daily_tokens,
        models: listTierModels(config, tier).map((m) => m.id),
        allowed: tier.models,
        routes: tier.routes.map(([from, to]) => ({ from, to })),
        timezone: config.quota.timezone,
      }),
      { detail: { summary: "The caller's tier, models and routes", tags: ['Account'] } },
    )
}
