// Turns a raw config document (file + environment, already substituted) into a GatewayConfig,
// collecting one readable problem per wrong key instead of stopping at the first.

import type {
  AuthProvider,
  BackendConfig,
  BackendFormat,
  GatewayConfig,
  KeycloakConfig,
  LogLevel,
  ModelConfig,
  StaticKeyConfig,
  TierConfig,
} from './config-types'
import { DEFAULT_ANTHROPIC_URL, DEFAULT_OPENAI_URL } from './defaults'
import { isKnownTimeZone } from './time-zone'

type Raw = Record<string, unknown>

export class Problems {
  readonly list: string[] = []
  constructor(private readonly source: string) {}
  add(path: string, message: string) {
    this.list.push(`${this.source}: ${path}: ${message}`)
  }
}

const isObject = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v)

function section(raw: Raw, key: string, p: Problems, path = key): Raw {
  const v = raw[key]
  if (v === undefined || v === null) return {}
  if (!isObject(v)) {
    p.add(path, 'must be a mapping')
    return {}
  }
  return v
}

function str(raw: Raw, key: string, path: string, p: Problems, fallback: string): string
function str(raw: Raw, key: string, path: string, p: Problems, fallback: null): string | null
function str(raw: Raw, key: string, path: string, p: Problems, fallback: string | null): string | null {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return fallback
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v !== 'string') {
    p.add(path, 'must be a string')
    return fallback
  }
  return v
}

function int(raw: Raw, key: string, path: string, p: Problems, fallback: number, min = 0): number {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return fallback
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    p.add(path, `must be an integer >= ${min}, got ${JSON.stringify(v)}`)
    return fallback
  }
  return n
}

/** An integer limit where null (or absence) means unlimited. */
function limit(raw: Raw, key: string, path: string, p: Problems, fallback: number | null): number | null {
  if (!(key in raw)) return fallback
  if (raw[key] === null) return null
  return int(raw, key, path, p, 0)
}

function stringList(v: unknown, path: string, p: Problems): string[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean)
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    p.add(path, 'must be a list of strings')
    return []
  }
  return v as string[]
}

function validUrl(url: string, path: string, p: Problems): boolean {
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
    return true
  } catch {
    // Never the password of a URL with credentials in it: everything up to its last "@" is hidden
    // (a password may hold a "/", and a URL without "//" may still carry one).
    p.add(path, `must be an http(s) URL, got ${JSON.stringify(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1…@'))}`)
    return false
  }
}

const FORMATS: BackendFormat[] = ['openai', 'anthropic', 'demo']
const PROVIDERS: AuthProvider[] = ['keys', 'keycloak']
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error']

function normalizeBackend(name: string, raw: unknown, p: Problems): BackendConfig | null {
  const path = `backends.${name}`
  if (!isObject(raw)) {
    p.add(path, 'must be a mapping with format and base_url')
    return null
  }
  const format = str(raw, 'format', `${path}.format`, p, 'openai') as BackendFormat
  if (!FORMATS.includes(format)) p.add(`${path}.format`, `must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`)
  const fallbackUrl = format === 'anthropic' ? DEFAULT_ANTHROPIC_URL : format === 'demo' ? 'http://demo.invalid' : ''
  const listed = 'endpoints' in raw ? stringList(raw.endpoints, `${path}.endpoints`, p) : []
  const base = str(raw, 'base_url', `${path}.base_url`, p, listed[0] ?? fallbackUrl)
  const endpoints = (listed.length > 0 ? listed : [base]).filter((u) => u !== '').map((u) => u.replace(/\/+$/, ''))
  if (endpoints.length === 0) p.add(`${path}.base_url`, 'is required (for the default "internal" backend set INTERNAL_LLM_URL)')
  else if (format !== 'demo') endpoints.forEach((u, i) => validUrl(u, listed.length > 0 ? `${path}.endpoints[${i}]` : `${path}.base_url`, p))
  const headers = section(raw, 'headers', p, `${path}.headers`)
  // Sent upstream as they are: a line break would end the header and start another.
  for (const [k, v] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n\0]/.test(String(v))) p.add(`${path}.headers.${k.replace(/[^\x20-\x7e]/g, '?')}`, 'must be a header name with a value on one line')
  }
  // A key read from a file or a secret often ends in a newline: surrounding whitespace is dropped,
  // as fetch() always did; a line break inside it would start another header and is refused.
  const apiKey = str(raw, 'api_key', `${path}.api_key`, p, null)?.trim() ?? null
  if (apiKey !== null && /[\r\n\0]/.test(apiKey)) p.add(`${path}.api_key`, 'must be on one line')
  const t = section(raw, 'timeouts', p, `${path}.timeouts`)
  const cb = section(raw, 'circuit_breaker', p, `${path}.circuit_breaker`)
  return {
    name,
    format,
    base_url: endpoints[0] ?? '',
    endpoints,
    circuit_breaker: {
      failure_threshold: int(cb, 'failure_threshold', `${path}.circuit_breaker.failure_threshold`, p, 3, 1),
      cooldown_ms: int(cb, 'cooldown_s', `${path}.circuit_breaker.cooldown_s`, p, 10, 0) * 1000,
    },
    api_key: apiKey === '' ? null : apiKey,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    timeouts: {
      connect_ms: int(t, 'connect_s', `${path}.timeouts.connect_s`, p, 10, 1) * 1000,
      first_byte_ms: int(t, 'first_byte_s', `${path}.timeouts.first_byte_s`, p, 300, 1) * 1000,
      idle_ms: int(t, 'idle_s', `${path}.timeouts.idle_s`, p, 300, 1) * 1000,
    },
  }
}

function normalizeKeycloak(raw: Raw, p: Problems): KeycloakConfig | null {
  const path = 'auth.keycloak'
  const issuer = str(raw, 'issuer', `${path}.issuer`, p, '')
  if (issuer === '') return null
  validUrl(issuer, `${path}.issuer`, p)
  const tierMap = section(raw, 'tier_map', p, `${path}.tier_map`)
  const map: Record<string, string> = {}
  for (const [k, v] of Object.entries(tierMap)) {
    if (typeof v !== 'string') p.add(`${path}.tier_map.${k}`, 'must be a tier name')
    else map[k] = v
  }
  return {
    issuer: issuer.replace(/\/+$/, ''),
    audience: str(raw, 'audience', `${path}.audience`, p, null),
    tier_claim: str(raw, 'tier_claim', `${path}.tier_claim`, p, 'realm_access.roles'),
    tier_map: Object.keys(map).length > 0 ? map : { 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise' },
    default_tier: str(raw, 'default_tier', `${path}.default_tier`, p, 'free'),
    admin_role: str(raw, 'admin_role', `${path}.admin_role`, p, 'gateway-admin'),
  }
}

function normalizeModels(raw: Raw, p: Problems): ModelConfig[] {
  return Object.entries(raw).flatMap(([pattern, v]) => {
    const path = `models.${pattern}`
    if (!isObject(v)) {
      p.add(path, 'must be a mapping with backend')
      return []
    }
    const backend = str(v, 'backend', `${path}.backend`, p, '')
    if (backend === '') p.add(`${path}.backend`, 'is required')
    const max = v.max_output_tokens
    return [
      {
        pattern,
        backend,
        upstream_model: str(v, 'upstream_model', `${path}.upstream_model`, p, null),
        max_output_tokens: max === undefined || max === null ? null : int(v, 'max_output_tokens', `${path}.max_output_tokens`, p, 0, 1),
        display_name: str(v, 'display_name', `${path}.display_name`, p, null),
        fallbacks: stringList(v.fallbacks, `${path}.fallbacks`, p),
      },
    ]
  })
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
  return {
    name,
    daily_requests: limit(raw, 'daily_requests', `${path}.daily_requests`, p, null),
    daily_tokens: limit(raw, 'daily_tokens', `${path}.daily_tokens`, p, null),
    models: 'models' in raw ? stringList(raw.models, `${path}.models`, p) : ['*'],
    routes: pairs,
  }
}

export interface NormalizeOptions {
  source: string
  /** Drop models whose backend is not configured instead of reporting them (the built-in table). */
  lenientModels: boolean
}

export function normalizeConfig(raw: Raw, options: NormalizeOptions): { config: GatewayConfig; problems: string[] } {
  const p = new Problems(options.source)
  const server = section(raw, 'server', p)
  const store = section(raw, 'store', p)
  const auth = section(raw, 'auth', p)
  const quota = section(raw, 'quota', p)

  const backends: Record<string, BackendConfig> = {}
  for (const [name, b] of Object.entries(section(raw, 'backends', p))) {
    const backend = normalizeBackend(name, b, p)
    if (backend) backends[name] = backend
  }

  let models = normalizeModels(section(raw, 'models', p), p)
  if (options.lenientModels) models = models.filter((m) => backends[m.backend])
  for (const m of models) {
    if (m.backend && !backends[m.backend]) p.add(`models.${m.pattern}.backend`, `names an unknown backend ${JSON.stringify(m.backend)}`)
  }

  const tiers: Record<string, TierConfig> = {}
  for (const [name, t] of Object.entries(section(raw, 'tiers', p))) {
    const tier = normalizeTier(name, t, p)
    if (tier) tiers[name] = tier
  }
  if (Object.keys(tiers).length === 0) p.add('tiers', 'at least one tier is required')

  const keys: StaticKeyConfig[] = []
  const rawKeys = auth.keys ?? []
  if (!Array.isArray(rawKeys)) p.add('auth.keys', 'must be a list of {key, user, tier}')
  else
    rawKeys.forEach((k, i) => {
      const path = `auth.keys[${i}]`
      if (!isObject(k)) return p.add(path, 'must be a mapping with key, user and tier')
      const key = str(k, 'key', `${path}.key`, p, '')
      const user = str(k, 'user', `${path}.user`, p, '')
      const tier = str(k, 'tier', `${path}.tier`, p, '')
      if (key === '') p.add(`${path}.key`, 'is required')
      if (user === '') p.add(`${path}.user`, 'is required')
      if (!tiers[tier]) p.add(`${path}.tier`, `names an unknown tier ${JSON.stringify(tier)}`)
      const name = str(k, 'name', `${path}.name`, p, null)
      keys.push(name === null ? { key, user, tier } : { key, user, tier, name })
    })

  const keycloak = normalizeKeycloak(section(auth, 'keycloak', p, 'auth.keycloak'), p)
  const providers = stringList(auth.providers ?? (keycloak ? ['keys', 'keycloak'] : ['keys']), 'auth.providers', p) as AuthProvider[]
  for (const pr of providers) {
    if (!PROVIDERS.includes(pr)) p.add('auth.providers', `unknown provider ${JSON.stringify(pr)} (keys, keycloak)`)
  }
  if (providers.includes('keycloak') && !keycloak) p.add('auth.keycloak.issuer', 'is required when the keycloak provider is on (set KEYCLOAK_URL)')
  if (keycloak && !tiers[keycloak.default_tier]) p.add('auth.keycloak.default_tier', `names an unknown tier ${JSON.stringify(keycloak.default_tier)}`)

  const timezone = str(quota, 'timezone', 'quota.timezone', p, 'UTC')
  if (!isKnownTimeZone(timezone)) p.add('quota.timezone', `unknown time zone ${JSON.stringify(timezone)}`)
  const onStoreError = str(quota, 'on_store_error', 'quota.on_store_error', p, 'reject')
  if (onStoreError !== 'reject' && onStoreError !== 'allow') p.add('quota.on_store_error', 'must be reject or allow')

  const logLevel = str(raw, 'log_level', 'log_level', p, 'info') as LogLevel
  if (!LEVELS.includes(logLevel)) p.add('log_level', `must be one of ${LEVELS.join(', ')}`)

  const redisUrl = str(store, 'redis_url', 'store.redis_url', p, null)
  if (redisUrl !== null && !/^(redis|rediss|redis\+cluster|valkey):\/\//.test(redisUrl)) {
    p.add('store.redis_url', 'must start with redis://, rediss:// or redis+cluster://')
  }

  const config: GatewayConfig = {
    server: {
      host: str(server, 'host', 'server.host', p, '0.0.0.0'),
      port: int(server, 'port', 'server.port', p, 8000, 0),
      max_body_bytes: int(server, 'max_body_bytes', 'server.max_body_bytes', p, 32 * 1024 * 1024, 1024),
      drain_timeout_s: int(server, 'drain_timeout_s', 'server.drain_timeout_s', p, 30, 0),
    },
    store: { redis_url: redisUrl, data_dir: str(store, 'data_dir', 'store.data_dir', p, './data'), lock_timeout_s: int(store, 'lock_timeout_s', 'store.lock_timeout_s', p, 30, 0) },
    auth: { providers, keys, keycloak, admin_key: str(auth, 'admin_key', 'auth.admin_key', p, null) },
    backends,
    models,
    tiers,
    quota: { enabled: quota.enabled !== false, timezone, on_store_error: onStoreError as 'reject' | 'allow' },
    log_level: logLevel,
    demo: false,
    source: options.source,
  }
  return { config, problems: p.list }
}
