// Loads the configuration: a YAML or JSON file (from --config or GATEWAY_CONFIG) or the built-in
// defaults, `${VAR}` substitution, then the deployment's environment variables on top.
// Returns every problem found, so `check-config` can list them all at once.

import { existsSync, readFileSync } from 'node:fs'
import type { GatewayConfig } from './config-types'
import { DEFAULT_ANTHROPIC_URL, DEFAULT_MODELS, DEFAULT_OPENAI_URL, DEFAULT_TIERS, DEMO_KEY } from './defaults'
import { normalizeConfig } from './normalize-config'
import { substituteEnv } from './substitute-env'
import { globMatch } from './model-pattern'

type Raw = Record<string, unknown>
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

const obj = (raw: Raw, key: string): Raw => {
  const v = raw[key]
  if (v === null || typeof v !== 'object' || Array.isArray(v)) raw[key] = {}
  return raw[key] as Raw
}

/** The environment variables of the deployment override the file (the README's Environment table). */
export function applyEnvOverrides(raw: Raw, env: Env): void {
  const set = (v: string | undefined, apply: (v: string) => void) => {
    if (v !== undefined && v !== '') apply(v)
  }
  set(env.PORT, (v) => (obj(raw, 'server').port = v))
  set(env.HOST, (v) => (obj(raw, 'server').host = v))
  set(env.GATEWAY_DATA_DIR, (v) => (obj(raw, 'store').data_dir = v))
  set(env.QUOTA_REDIS_URL, (v) => (obj(raw, 'store').redis_url = v))
  set(env.LOG_LEVEL, (v) => (raw.log_level = v.toLowerCase()))
  set(env.GATEWAY_ADMIN_KEY, (v) => (obj(raw, 'auth').admin_key = v))
  set(env.KEYCLOAK_URL, (v) => (obj(obj(raw, 'auth'), 'keycloak').issuer = v))
  set(env.AUTH_PROVIDER, (v) => (obj(raw, 'auth').providers = v))
  const backends = obj(raw, 'backends')
  const backend = (name: string, format: string) => {
    const b = obj(backends, name)
    b.format ??= format
    return b
  }
  set(env.INTERNAL_LLM_URL, (v) => (backend('internal', 'openai').base_url = v))
  set(env.INTERNAL_LLM_API_KEY, (v) => (backend('internal', 'openai').api_key = v))
  set(env.CLAUDE_API_KEY, (v) => (backend('claude', 'anthropic').api_key = v))
  set(env.CLAUDE_API_URL, (v) => (backend('claude', 'anthropic').base_url = v))
  set(env.OPENAI_API_KEY, (v) => (backend('openai', 'openai').api_key = v))
  set(env.OPENAI_API_URL, (v) => (backend('openai', 'openai').base_url = v))
  const claude = backends.claude as Raw | undefined
  if (claude && !claude.base_url) claude.base_url = DEFAULT_ANTHROPIC_URL
  const openai = backends.openai as Raw | undefined
  if (openai && !openai.base_url) openai.base_url = DEFAULT_OPENAI_URL
}

export function loadConfig(options: { file?: string | null; env: Env }): LoadedConfig {
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
  const demo = Object.keys(backends).length === 0 && !modelsFromFile && env.GATEWAY_DEMO !== 'off'
  if (demo) {
    backends.demo = { format: 'demo' }
    for (const m of Object.values(raw.models as Raw)) (m as Raw).backend = 'demo'
  }

  const { config, problems } = normalizeConfig(raw, { source, lenientModels: !modelsFromFile })
  config.demo = demo
  if (demo && config.auth.keys.length === 0 && !config.auth.keycloak) {
    config.auth.keys.push({ key: DEMO_KEY, user: 'demo', tier: 'pro', name: 'demo key (demo mode only)' })
  }
  if (modelsFromFile) problems.push(...crossCheckRoutes(config))
  return { config, problems }
}

/** Route targets and allow-lists that can never match a model are operator mistakes worth a message. */
function crossCheckRoutes(config: GatewayConfig): string[] {
  const problems: string[] = []
  const known = (name: string) => config.models.some((m) => globMatch(m.pattern, name))
  for (const tier of Object.values(config.tiers)) {
    for (const [from, to] of tier.routes) {
      if (!known(to)) problems.push(`${config.source}: tiers.${tier.name}.routes.${from}: target ${JSON.stringify(to)} matches no entry of models`)
    }
  }
  for (const m of config.models) {
    for (const f of m.fallbacks) {
      if (!known(f)) problems.push(`${config.source}: models.${m.pattern}.fallbacks: ${JSON.stringify(f)} matches no entry of models`)
    }
  }
  return problems
}
