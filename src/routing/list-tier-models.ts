// What a tier can reach, for GET /v1/models: every concrete (non-glob) model name of the models
// table that the tier's allow-list admits. Glob entries such as `claude-*` cannot be enumerated.
import type { GatewayConfig, TierConfig } from '../config/config-types'
import { globMatch } from '../config/model-pattern'

export interface ListedModel {
  id: string
  object: 'model'
  type: 'model'
  display_name: string
  created: number
  created_at: string
  owned_by: string
}

const EPOCH = new Date('2025-01-01T00:00:00Z')

export function listTierModels(config: GatewayConfig, tier: TierConfig): ListedModel[] {
  const isGlob = (p: string) => p.includes('*') || p.includes('?')
  return config.models
    .filter((m) => !isGlob(m.pattern) && tier.models.some((p) => globMatch(p, m.pattern)))
    .map((m) => ({
      id: m.pattern,
      object: 'model' as const,
      type: 'model' as const,
      display_name: m.display_name ?? m.pattern,
      created: Math.floor(EPOCH.getTime() / 1000),
      created_at: EPOCH.toISOString(),
      owned_by: m.backend,
    }))
}
