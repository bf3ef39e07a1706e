// The gateway's configuration after loading, substitution, defaults and environment overrides.
// Field names follow the config file (snake_case) so that error messages can name key paths.

import type { LogLevel } from '../logging/logger'
export type { LogLevel }
import type { WireFormat } from '../protocol/vocabulary'

/** `demo` is the built-in fixed-reply backend, which answers in whichever format it is asked. */
export type BackendFormat = WireFormat | 'demo'
export type AuthProvider = 'keys' | 'keycloak'

export interface ServerConfig {
  host: string
  port: number
  max_body_bytes: number
  drain_timeout_s: number
}

export interface StoreConfig {
  /** A URL of a form src/config/redis-url.ts reads; null: the embedded store. */
  redis_url: string | null
  /** Replicas that must acknowledge each admission before it is answered (Redis WAIT); 0 = off. */
  redis_wait_replicas: number
  /** How long an admission waits for them. */
  redis_wait_timeout_ms: number
  data_dir: string
  /** How long a starting gateway waits for another process to release data_dir (the embedded store has one owner). */
  lock_timeout_s: number
}

export interface StaticKeyConfig {
  key: string
  user: string
  tier: string
  name?: string
}

export interface KeycloakConfig {
  issuer: string
  audience: string | null
  tier_claim: string
  tier_map: Record<string, string>
  default_tier: string
  admin_role: string | null
}

export interface AuthConfig {
  providers: AuthProvider[]
  keys: StaticKeyConfig[]
  keycloak: KeycloakConfig | null
  admin_key: string | null
}

export interface TimeoutsConfig {
  connect_ms: number
  first_byte_ms: number
  idle_ms: number
}

export interface CircuitBreakerConfig {
  /** Consecutive failures that take an endpoint out of rotation. */
  failure_threshold: number
  /** How long it stays out before one request probes it again. */
  cooldown_ms: number
}

export interface BackendConfig {
  name: string
  format: BackendFormat
  /** The first of `endpoints`, kept for messages and single-endpoint backends. */
  base_url: string
  /** Replicas of the same backend (vLLM/KServe pods); requests are balanced across them. */
  endpoints: string[]
  circuit_breaker: CircuitBreakerConfig
  api_key: string | null
  headers: Record<string, string>
  timeouts: TimeoutsConfig
}

export interface ModelConfig {
  /** The public name or glob pattern, as written in the `models` table. */
  pattern: string
  backend: string
  upstream_model: string | null
  max_output_tokens: number | null
  display_name: string | null
  /** Models to try, in order, when this one's backend is down or overloaded. */
  fallbacks: string[]
}

export interface TierConfig {
  name: string
  daily_requests: number | null
  daily_tokens: number | null
  models: string[]
  routes: [pattern: string, target: string][]
}

export interface QuotaConfig {
  /** False: nothing is counted or limited (a gateway used for routing only). */
  enabled: boolean
  timezone: string
  on_store_error: 'reject' | 'allow'
}

export interface GatewayConfig {
  server: ServerConfig
  store: StoreConfig
  auth: AuthConfig
  backends: Record<string, BackendConfig>
  models: ModelConfig[]
  tiers: Record<string, TierConfig>
  quota: QuotaConfig
  log_level: LogLevel
  /** True when no backend was configured and the built-in demo backend serves every model. */
  demo: boolean
  /** Where the config came from, for messages: a file path or "defaults". */
  source: string
}
