// The deployment's environment variables, written into the raw config document on top of the
// file, so that a value from the environment goes through the same normalisation and checks.

import { DEFAULT_ANTHROPIC_URL, DEFAULT_OPENAI_URL } from './defaults'
import type { Raw } from './field-readers'

type Env = Record<string, string | undefined>

const isMapping = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The mapping at raw[key], created when absent. A value that is there but not a mapping is left for
 * the normaliser to report (`backends: { claude: "x" }` is the operator's mistake to hear about):
 * the override then goes to a detached mapping and is dropped.
 */
const obj = (raw: Raw, key: string): Raw => {
  const v = raw[key]
  if (v === undefined || v === null) raw[key] = {}
  else if (!isMapping(v)) return {}
  return raw[key] as Raw
}

/** The environment variables of the deployment override the file (the README's Environment table). */
export function applyEnvOverrides(raw: Raw, env: Env): void {
  const set = (v: string | undefined, apply: (v: string) => void) => {
    if (v !== undefined && v !== '') apply(v)
  }
  set(env.PORT, (v) => (obj(raw, 'server').port = v))
  set(env.HOST, (v) => (obj(raw, 'server').host = v))
  set(env.METRICS_PORT, (v) => (obj(raw, 'server').metrics_port = v))
  set(env.GATEWAY_DATA_DIR, (v) => (obj(raw, 'store').data_dir = v))
  set(env.QUOTA_REDIS_URL, (v) => (obj(raw, 'store').redis_url = v))
  set(env.LOG_LEVEL, (v) => (raw.log_level = v.toLowerCase()))
  set(env.GATEWAY_ADMIN_KEY, (v) => (obj(raw, 'auth').admin_key = v))
  set(env.KEYCLOAK_URL, (v) => (obj(obj(raw, 'auth'), 'keycloak').issuer = v))
  set(env.KEYCLOAK_AUDIENCE, (v) => (obj(obj(raw, 'auth'), 'keycloak').audience = v))
  set(env.KEYCLOAK_CLIENTS, (v) => (obj(obj(raw, 'auth'), 'keycloak').clients = v))
  set(env.AUTH_PROVIDER, (v) => (obj(raw, 'auth').providers = v))
  set(env.KEYCLOAK_CLIENT_ID, (v) => (obj(obj(raw, 'auth'), 'keycloak').client_id = v))
  set(env.KEYCLOAK_CLIENT_SECRET, (v) => (obj(obj(raw, 'auth'), 'keycloak').client_secret = v))
  set(env.GATEWAY_SESSION_KEY, (v) => (obj(obj(raw, 'auth'), 'sessions').signing_key = v))
  set(env.GATEWAY_PUBLIC_URL, (v) => (obj(raw, 'server').public_url = v))
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
  const claude = backends.claude
  if (isMapping(claude) && !claude.base_url) claude.base_url = DEFAULT_ANTHROPIC_URL
  const openai = backends.openai
  if (isMapping(openai) && !openai.base_url) openai.base_url = DEFAULT_OPENAI_URL
}
