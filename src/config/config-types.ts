// The gateway's configuration after loading, substitution, defaults and environment overrides.
// Field names follow the config file (snake_case) so that error messages can name key paths.

import type { LogLevel } from '../logging/logger'
export type { LogLevel }
import type { BackendWireFormat, ResponsesMode } from '../protocol/vocabulary'

/** `demo` is the built-in fixed-reply backend, which answers in whichever format it is asked. */
export type BackendFormat = BackendWireFormat | 'demo'
export type AuthProvider = 'keys' | 'keycloak'

export interface TlsConfig {
  /** PEM certificate (chain) file. */
  cert_file: string
  /** PEM private key file. */
  key_file: string
}

export interface ServerConfig {
  host: string
  port: number
  /**
   * The port of the listener that serves /metrics, apart from the API port (which may face the
   * internet; the metrics show users and tiers). Null serves /metrics on the API port.
   */
  metrics_port: number | null
  max_body_bytes: number
  drain_timeout_s: number
  /**
   * Seconds an LLM request's body may take to arrive once its headers are in (a client trickling
   * its body would hold its request open for ever: Bun restarts its idle limit at every byte).
   */
  body_timeout_s: number
  /** The URL developers reach the gateway at; sign-in links and token issuers use it, never the Host header. */
  public_url: string | null
  /** TLS on the listener itself (an air-gapped host has no ingress to terminate it). */
  tls: TlsConfig | null
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
  /** Tokens whose `aud` contains it or whose `azp` equals it are accepted. */
  audience: string | null
  /** Clients (`azp`) whose tokens are accepted. One of audience and clients is required. */
  clients: string[]
  tier_claim: string
  tier_map: Record<string, string>
  default_tier: string
  admin_role: string | null
  /** The gateway's own client in the realm, for sign-in; sign-in is on when it is set. */
  client_id: string | null
  client_secret: string | null
}

/** The tokens the gateway mints for developers who signed in through it. */
export interface SessionsConfig {
  /** Signs access tokens and seals what the gateway keeps; null: a key generated once and kept in the store. */
  signing_key: string | null
  access_ttl_s: number
  /** How long a session lives without a refresh. */
  refresh_ttl_s: number
  /** How long Keycloak's last word holds for a console session opened through Keycloak; then it is asked again. */
  console_recheck_s: number
}

export interface AuthConfig {
  providers: AuthProvider[]
  keys: StaticKeyConfig[]
  keycloak: KeycloakConfig | null
  admin_key: string | null
  sessions: SessionsConfig
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
  /** How Responses clients reach an `openai` backend: `native` (it serves /responses itself) or `translate` (Chat Completions). */
  responses: ResponsesMode
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
  /** Prices per million tokens, for the cost column of usage reports; null when none is set. */
  price: ModelPrice | null
}

export interface ModelPrice {
  /** Per million input tokens (cache reads and writes included). */
  input: number
  /** Per million output tokens. */
  output: number
}

export interface TierConfig {
  name: string
  daily_requests: number | null
  daily_tokens: number | null
  /** Per-user limits beside the daily quota; null = none. */
  concurrent_requests: number | null
  requests_per_minute: number | null
  tokens_per_minute: number | null
  models: string[]
  routes: [pattern: string, target: string][]
  /** Claude Code's managed settings for the tier; null: no policy (404). */
  managed_settings: Record<string, unknown> | null
  /** The tier's users may create and revoke their own keys. */
  self_service_keys: boolean
}

export interface TelemetryConfig {
  /** OTLP/HTTP base URLs that receive the clients' telemetry verbatim. */
  forward_to: string[]
}

export interface QuotaConfig {
  /** False: nothing is counted or limited (a gateway used for routing only). */
  enabled: boolean
  timezone: string
  on_store_error: 'reject' | 'allow'
}

export interface UsageConfig {
  /** False: no usage ledger is kept (the quota still counts). */
  enabled: boolean
  /** Days of ledger rows kept, today included. */
  retention_days: number
}

export interface GatewayConfig {
  server: ServerConfig
  store: StoreConfig
  auth: AuthConfig
  backends: Record<string, BackendConfig>
  models: ModelConfig[]
  tiers: Record<string, TierConfig>
  quota: QuotaConfig
  telemetry: TelemetryConfig
  usage: UsageConfig
  log_level: LogLevel
  /** True when no backend was configured and the built-in demo backend serves every model. */
  demo: boolean
  /** Where the config came from, for messages: a file path or "defaults". */
  source: string
}
