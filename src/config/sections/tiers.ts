// The `tiers` section: each tier's daily limits and per-user limits (in flight, per minute), the
// models it may use, the routes that send a requested model to another, and the managed settings
// Claude Code gets when signed in. Whether route targets name a model is checked later, against the
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
  // Absent: an empty policy (the gateway still adds the env entries the protocol needs); null: none.
  let managedSettings: Record<string, unknown> | null = {}
  if ('managed_settings' in raw) {
    const v = raw.managed_settings
    if (v === null) managedSettings = null
    else if (isObject(v)) managedSettings = v
    else p.add(`${path}.managed_settings`, 'must be a mapping (Claude Code managed settings) or null')
  }
  return {
    name,
    daily_requests: limit(raw, 'daily_requests', `${path}.daily_requests`, p, d.daily_requests),
    daily_tokens: limit(raw, 'daily_tokens', `${path}.daily_tokens`, p, d.daily_tokens),
    concurrent_requests: limit(raw, 'concurrent_requests', `${path}.concurrent_requests`, p, d.concurrent_requests),
    requests_per_minute: limit(raw, 'requests_per_minute', `${path}.requests_per_minute`, p, d.requests_per_minute),
    tokens_per_minute: limit(raw, 'tokens_per_minute', `${path}.tokens_per_minute`, p, d.tokens_per_minute),
    models: 'models' in raw ? stringList(raw.models, `${path}.models`, p) : [...d.models],
    routes: pairs,
    managed_settings: managedSettings,
    self_service_keys: bool(raw, 'self_service_keys', `${path}.self_service_keys`, p, d.self_service_keys),
  }
}
