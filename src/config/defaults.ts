// Every default of the configuration, in one place: what the gateway runs on when a key, a section
// or the whole config file is absent. The section normalisers read their fallbacks from here.
// The built-in models and tiers are kept as raw (file-shaped) data, so that a file, the environment
// and the defaults go through the same normalisation and validation.
// Optional keys whose absence means "not set" (api_key, audience, upstream_model, ...) are null
// and not listed.

export const DEFAULT_ANTHROPIC_URL = 'https://api.anthropic.com'
export const DEFAULT_OPENAI_URL = 'https://api.openai.com/v1'

/** The key the demo mode accepts. Only ever active when nothing real is configured. */
export const DEMO_KEY = 'sk-demo-llm-gateway'

/** The static key demo mode adds when no key and no Keycloak are configured. */
export const DEMO_STATIC_KEY = { key: DEMO_KEY, user: 'demo', tier: 'pro', name: 'demo key (demo mode only)' } as const

const MiB = 1024 * 1024

/** Scalar defaults, keyed and in the units of the config file (seconds where the key ends in _s). */
export const DEFAULTS = {
  server: { host: '0.0.0.0', port: 8000, metrics_port: 9464, max_body_bytes: 32 * MiB, drain_timeout_s: 30, body_timeout_s: 60 },
  store: { data_dir: './data', lock_timeout_s: 30, redis_wait_replicas: 0, redis_wait_timeout_ms: 500 },
  backend: {
    format: 'openai',
    /** The built-in demo backend answers itself; its URL is never fetched and only fills base_url. */
    demo_base_url: 'http://demo.invalid',
    circuit_breaker: { failure_threshold: 3, cooldown_s: 10 },
    timeouts: { connect_s: 10, first_byte_s: 300, idle_s: 300 },
    /** Responses clients reach an OpenAI-format backend through Chat Completions unless it says `native`. */
    responses: 'translate',
  },
  auth: {
    providers: ['keys'],
    /** When a Keycloak issuer is configured and auth.providers is not set. */
    providers_with_keycloak: ['keys', 'keycloak'],
  },
  keycloak: {
    tier_claim: 'realm_access.roles',
    tier_map: { 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise' },
    default_tier: 'free',
    admin_role: 'gateway-admin',
  },
  sessions: {
    /** An hour, as Claude Code's own gateway does: a disabled user keeps access at most this long. */
    access_ttl_s: 3600,
    /** Thirty days without a refresh ends a session; Keycloak's own session limits apply too. */
    refresh_ttl_s: 30 * 24 * 3600,
    /** A user disabled or signed out in Keycloak keeps the console at most this long. */
    console_recheck_s: 300,
  },
  tier: {
    /** Null is unlimited. */
    daily_requests: null,
    daily_tokens: null,
    concurrent_requests: null,
    requests_per_minute: null,
    tokens_per_minute: null,
    models: ['*'],
    self_service_keys: false,
  },
  quota: { enabled: true, timezone: 'UTC', on_store_error: 'reject' },
  usage: { enabled: true, retention_days: 90 },
  log_level: 'info',
} as const

export const DEFAULT_MODELS: Record<string, unknown> = {
  'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B' },
  'claude-3-haiku': { backend: 'claude', upstream_model: 'claude-3-haiku-20240307' },
  'claude-*': { backend: 'claude' },
  'gpt-*': { backend: 'openai' },
}

export const DEFAULT_TIERS: Record<string, unknown> = {
  free: {
    daily_requests: 10,
    models: ['qwen3-32b'],
    routes: { 'claude-*': 'qwen3-32b', 'gpt-*': 'qwen3-32b' },
  },
  pro: {
    daily_requests: 1000,
    models: ['qwen3-32b', 'claude-3-haiku', 'claude-*haiku*'],
    routes: { 'claude-*opus*': 'claude-3-haiku', 'claude-*sonnet*': 'claude-3-haiku', 'gpt-4*': 'qwen3-32b' },
  },
  enterprise: {
    daily_requests: null,
    models: ['*'],
  },
}
