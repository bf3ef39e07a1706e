// The `tiers` section: each tier's daily limits, the models it may use, and the routes that send
// a requested model to another. Whether route targets name a model is checked later, against the
// models table (check-references.ts).

import type { TierConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { bool, isObject, limit, type Problems, type Raw, section, stringList } from '../field-readers'

export function normalizeTiers(tiers: Raw, p: Problems): Record<string, TierConfig> {
  const out: Record<string, TierConfig> = {}
  for (const [name, t] of Object.entries(tiers)) {
    const tier = normalizeTier(name, t, p)
    if (tier) out[name] = tier
  }
  if (Object.keys(out).length === 0) p.add('tiers', 'at least one tier is required')
  return out
}

function normalizeTier(name: string, raw: unknown, p: Problems): TierConfig | null {
  const path = `tiers.${name}`
  if (!isObject(raw)) {
    p.add(path, 'must be a mapping')
    return null
  }
  const routes = section(raw, 'routes', p, `${path}.routes`)
  const pairs: [string, string][] = []
  for (const [from, to] of Object.entries(routes)) {
    if (typeof to !== 'string' || to === '') p.add(`${path}.routes.${from}`, 'must name a model')
    else pairs.push([from, to])
  }
  const d = DEFAULTS.tier
  return {
    name,
    daily_requests: limit(raw, 'daily_requests', `${path}.daily_requests`, p, d.daily_requests),
    daily_tokens: limit(raw, 'daily_tokens', `${path}.daily_tokens`, p, d.daily_tokens),
    models: 'models' in raw ? stringList(raw.models, `${path}.models`, p) : [...d.models],
    routes: pairs,
    self_service_keys: bool(raw, 'self_service_keys', `${path}.self_service_keys`, p, d.self_service_keys),
  }
}
