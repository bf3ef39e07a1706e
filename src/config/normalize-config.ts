// Turns a raw config document (file + environment, already substituted) into a GatewayConfig,
// collecting one readable problem per wrong key instead of stopping at the first: each section is
// normalised on its own (sections/), then the names one section gives another are checked.

import { checkReferences } from './check-references'
import type { GatewayConfig } from './config-types'
import { Problems, type Raw, section } from './field-readers'
import { normalizeAuth } from './sections/auth'
import { normalizeBackends } from './sections/backends'
import { normalizeLogLevel } from './sections/log-level'
import { normalizeModels } from './sections/models'
import { normalizeQuota } from './sections/quota'
import { normalizeServer } from './sections/server'
import { normalizeStore } from './sections/store'
import { normalizeTelemetry } from './sections/telemetry'
import { normalizeTiers } from './sections/tiers'
import { normalizeUsage } from './sections/usage'

export interface NormalizeOptions {
  source: string
  /** Drop models whose backend is not configured instead of reporting them (the built-in table). */
  lenientModels: boolean
  /** Report route targets and fallbacks that match no model (the operator's own models table); off by default. */
  checkRouteTargets?: boolean
}

export function normalizeConfig(raw: Raw, options: NormalizeOptions): { config: GatewayConfig; problems: string[] } {
  const p = new Problems(options.source)
  const server = normalizeServer(section(raw, 'server', p), p)
  const store = normalizeStore(section(raw, 'store', p), p)
  const { auth, keyPaths } = normalizeAuth(section(raw, 'auth', p), p)
  const quota = normalizeQuota(section(raw, 'quota', p), p)
  const backends = normalizeBackends(section(raw, 'backends', p), p)
  let models = normalizeModels(section(raw, 'models', p), p)
  if (options.lenientModels) models = models.filter((m) => backends[m.backend])
  const tiers = normalizeTiers(section(raw, 'tiers', p), p)

  const config: GatewayConfig = {
    server,
    store,
    auth,
    backends,
    models,
    tiers,
    quota,
    telemetry: normalizeTelemetry(section(raw, 'telemetry', p), p),
    usage: normalizeUsage(section(raw, 'usage', p), p),
    log_level: normalizeLogLevel(raw, p),
    demo: false,
    source: options.source,
  }
  checkReferences(config, p, { keyPaths, routeTargets: options.checkRouteTargets ?? false })
  return { config, problems: p.list }
}
