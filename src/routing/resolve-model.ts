// Routing as the README states it: requested model M, tier T -> M' = first T.routes pattern
// matching M, else M; M' must match T.models (403) and an entry of the models table (404).
// Decisions are memoised per (tier, model): the same few names arrive on every request.

import type { BackendConfig, GatewayConfig, ModelConfig, TierConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
import { globMatch } from '../config/model-pattern'

export interface RouteTarget {
  requested: string
  /** The routed public name, reported back to the client. */
  model: string
  backend: BackendConfig
  upstreamModel: string
  maxOutputTokens: number | null
  entry: ModelConfig
  /** The entry's fallbacks that the tier may use, in order (not chained further). */
  fallbacks: RouteTarget[]
}

export type ModelResolver = (requested: string, tier: string) => RouteTarget

const MEMO_LIMIT = 10_000

export function routeModel(requested: string, tier: TierConfig): string {
  for (const [pattern, target] of tier.routes) if (globMatch(pattern, requested)) return target
  return requested
}

export function findModelEntry(models: ModelConfig[], name: string): ModelConfig | undefined {
  return models.find((m) => globMatch(m.pattern, name))
}

/** The caller's tier; a Keycloak role or a stored key may name one this config does not have: 403. */
export function configuredTier(config: GatewayConfig, name: string): TierConfig {
  const tier = config.tiers[name]
  if (!tier) throw new GatewayError(403, 'permission_error', `Tier "${name}" is not configured on this gateway.`)
  return tier
}

export function createModelResolver(config: GatewayConfig): ModelResolver {
  const memo = new Map<string, RouteTarget>()
  function targetFor(requested: string, model: string): RouteTarget | null {
    const entry = findModelEntry(config.models, model)
    const backend = entry && config.backends[entry.backend]
    if (!entry || !backend) return null
    return { requested, model, backend, upstreamModel: entry.upstream_model ?? model, maxOutputTokens: entry.max_output_tokens, entry, fallbacks: [] }
  }
  return function resolveModel(requested, tierName) {
    const key = `${tierName}\u0000${requested}`
    const hit = memo.get(key)
    if (hit) return hit
    const tier = configuredTier(config, tierName)
    const model = routeModel(requested, tier)
    if (!tier.models.some((p) => globMatch(p, model))) {
      throw new GatewayError(403, 'permission_error', `Model "${model}" is not available on the ${tierName} tier.`, { param: 'model', code: 'model_not_allowed' })
    }
    const target = targetFor(requested, model)
    if (!target) {
      throw new GatewayError(404, 'not_found_error', `Model "${model}" is not served by this gateway.`, { param: 'model', code: 'model_not_found' })
    }
    for (const name of target.entry.fallbacks) {
      if (name === model || !tier.models.some((p) => globMatch(p, name))) continue
      const fallback = targetFor(requested, name)
      if (fallback) target.fallbacks.push(fallback)
    }
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(key, target)
    return target
  }
}
