// Loads the configuration: a YAML or JSON file (from --config or GATEWAY_CONFIG) or the built-in
// defaults, `${VAR}` substitution, then the deployment's environment variables on top, demo mode
// when nothing real is configured, and normalisation.
// Returns every problem found, so `check-config` can list them all at once.

import { existsSync, readFileSync } from 'node:fs'
import type { GatewayConfig } from './config-types'
import { DEFAULT_MODELS, DEFAULT_TIERS, DEMO_STATIC_KEY } from './defaults'
import { applyEnvOverrides } from './env-overrides'
import { isObject, type Raw } from './field-readers'
import { normalizeConfig } from './normalize-config'
import { substituteEnv } from './substitute-env'

type Env = Record<string, string | undefined>

export interface LoadedConfig {
  config: GatewayConfig
  problems: string[]
}

function parseFile(path: string): { raw: Raw | null; problem?: string } {
  if (!existsSync(path)) return { raw: null, problem: `${path}: file not found` }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    return { raw: null, problem: `${path}: cannot be read (${(e as Error).message})` }
  }
  try {
    const doc: unknown = path.endsWith('.json') ? JSON.parse(text) : Bun.YAML.parse(text)
    if (doc === null || doc === undefined) return { raw: {} }
    if (typeof doc !== 'object' || Array.isArray(doc)) return { raw: null, problem: `${path}: the top level must be a mapping` }
    return { raw: doc as Raw }
  } catch (e) {
    return { raw: null, problem: `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}` }
  }
}

/**
 * Never throws: whatever the file holds, the answer is a config and its problems, so that
 * check-config lists them and a reload keeps the running config instead of crashing.
 */
export function loadConfig(options: { file?: string | null; env: Env }): LoadedConfig {
  try {
    return loadConfigOrThrow(options)
  } catch (error) {
    const source = options.file ?? (options.env.GATEWAY_CONFIG || 'defaults')
    return { config: normalizeConfig({}, { source, lenientModels: true }).config, problems: [`${source}: could not be loaded (${error instanceof Error ? error.message : String(error)})`] }
  }
}

function loadConfigOrThrow(options: { file?: string | null; env: Env }): LoadedConfig {
  const env = options.env
  const path = options.file ?? (env.GATEWAY_CONFIG || null)
  let raw: Raw = {}
  if (path) {
    const parsed = parseFile(path)
    if (!parsed.raw) return { config: normalizeConfig({}, { source: path, lenientModels: true }).config, problems: [parsed.problem!] }
    raw = substituteEnv(parsed.raw, env) as Raw
  }
  const source = path ?? 'defaults'
  const modelsFromFile = raw.models !== undefined && raw.models !== null
  if (!modelsFromFile) raw.models = structuredClone(DEFAULT_MODELS)
  if (raw.tiers === undefined || raw.tiers === null) raw.tiers = structuredClone(DEFAULT_TIERS)
  applyEnvOverrides(raw, env)

  // Nothing real configured and no models of the operator's own: serve the built-in demo backend so
  // that a newcomer can try the gateway. Never chosen when any backend exists.
  const backends = raw.backends as Raw
  // GATEWAY_DEMO=off (the Helm chart's default) never serves it: a gateway with no backend then
  // answers 404 for every model.
  const demo = isObject(backends) && Object.keys(backends).length === 0 && !modelsFromFile && env.GATEWAY_DEMO !== 'off'
  if (demo) {
    backends.demo = { format: 'demo' }
    for (const m of Object.values(raw.models as Raw)) (m as Raw).backend = 'demo'
  }

  // The built-in models table is lenient: its entries whose backend is not configured are dropped,
  // and its routes are not checked against what remains.
  const { config, problems } = normalizeConfig(raw, { source, lenientModels: !modelsFromFile, checkRouteTargets: modelsFromFile })
  config.demo = demo
  if (demo && config.auth.keys.length === 0 && !config.auth.keycloak) config.auth.keys.push({ ...DEMO_STATIC_KEY })
  return { config, problems }
}
