// The `auth` section: who may call the gateway — static API keys from the file, Keycloak-issued
// tokens, which of the two providers are on, the admin key of the key-management API, and the
// sign-in through the gateway (Keycloak's client for it, the tokens the gateway mints).
// Whether a key's tier or Keycloak's default tier exists is checked later, against the tiers
// (check-references.ts).

import type { AuthConfig, AuthProvider, KeycloakConfig, SessionsConfig, StaticKeyConfig } from '../config-types'
import { credentialProblem } from '../credential-shape'
import { isSafeProviderUrl } from '../safe-provider-url'
import { DEFAULTS } from '../defaults'
import { int, isObject, type Problems, type Raw, section, str, stringList, validUrl } from '../field-readers'

const PROVIDERS: AuthProvider[] = ['keys', 'keycloak']

export interface NormalizedAuth {
  auth: AuthConfig
  /** The key path each static key was read from: an entry that is not a mapping is skipped, so `auth.keys[i]` need not be the i-th key kept. */
  keyPaths: Map<StaticKeyConfig, string>
}

export function normalizeAuth(auth: Raw, p: Problems): NormalizedAuth {
  const keyPaths = new Map<StaticKeyConfig, string>()
  const keys = normalizeKeys(auth.keys, p, keyPaths)
  const rawKeycloak = section(auth, 'keycloak', p, 'auth.keycloak')
  const keycloak = normalizeKeycloak(rawKeycloak, p)
  if (!keycloak && str(rawKeycloak, 'client_id', 'auth.keycloak.client_id', p, null) !== null) {
    p.add('auth.keycloak.issuer', 'is required for sign-in (auth.keycloak.client_id is set; set KEYCLOAK_URL)')
  }
  const d = DEFAULTS.auth
  const providers = stringList(auth.providers ?? [...(keycloak ? d.providers_with_keycloak : d.providers)], 'auth.providers', p) as AuthProvider[]
  for (const pr of providers) {
    if (!PROVIDERS.includes(pr)) p.add('auth.providers', `unknown provider ${JSON.stringify(pr)} (keys, keycloak)`)
  }
  if (providers.includes('keycloak') && !keycloak) p.add('auth.keycloak.issuer', 'is required when the keycloak provider is on (set KEYCLOAK_URL)')
  const adminKey = str(auth, 'admin_key', 'auth.admin_key', p, null)
  const adminKeyProblem = adminKey === null ? null : credentialProblem(adminKey)
  if (adminKeyProblem) p.add('auth.admin_key', adminKeyProblem)
  const sessions = normalizeSessions(section(auth, 'sessions', p, 'auth.sessions'), p)
  return { auth: { providers, keys, keycloak, admin_key: adminKey, sessions }, keyPaths }
}

function normalizeKeys(raw: unknown, p: Problems, keyPaths: Map<StaticKeyConfig, string>): StaticKeyConfig[] {
  const keys: StaticKeyConfig[] = []
  const rawKeys = raw ?? []
  if (!Array.isArray(rawKeys)) {
    p.add('auth.keys', 'must be a list of {key, user, tier}')
    return keys
  }
  rawKeys.forEach((k, i) => {
    const path = `auth.keys[${i}]`
    if (!isObject(k)) return p.add(path, 'must be a mapping with key, user and tier')
    const key = str(k, 'key', `${path}.key`, p, '')
    const user = str(k, 'user', `${path}.user`, p, '')
    const tier = str(k, 'tier', `${path}.tier`, p, '')
    if (key === '') p.add(`${path}.key`, 'is required')
    else {
      // The value is a secret: the problem names the key path, never the key.
      const problem = credentialProblem(key)
      if (problem) p.add(`${path}.key`, problem)
    }
    if (user === '') p.add(`${path}.user`, 'is required')
    // Keycloak users are counted under this prefix (auth/identity.ts): a key user named so would share their quota.
    else if (user.startsWith('keycloak:')) p.add(`${path}.user`, 'may not start with "keycloak:" (the namespace of Keycloak users)')
    const name = str(k, 'name', `${path}.name`, p, null)
    const entry: StaticKeyConfig = name === null ? { key, user, tier } : { key, user, tier, name }
    keys.push(entry)
    keyPaths.set(entry, path)
  })
  return keys
}

/** Null when no issuer is configured: Keycloak is then off. */
function normalizeKeycloak(raw: Raw, p: Problems): KeycloakConfig | null {
  const path = 'auth.keycloak'
  const issuer = str(raw, 'issuer', `${path}.issuer`, p, '')
  if (issuer === '') return null
  // The key set is fetched from the issuer: in clear text over a network it could be forged.
  if (validUrl(issuer, `${path}.issuer`, p) && !isSafeProviderUrl(issuer)) p.add(`${path}.issuer`, 'must be an https URL (http only on a loopback address)')
  const audience = str(raw, 'audience', `${path}.audience`, p, null)
  const clientId = str(raw, 'client_id', `${path}.client_id`, p, null)
  const listed = stringList(raw.clients, `${path}.clients`, p)
  // With sign-in on and nothing else said, the bearer tokens accepted are those of the gateway's
  // own client: never those any client of the realm obtained.
  const clients = audience === null && listed.length === 0 && clientId !== null ? [clientId] : listed
  if (audience === null && clients.length === 0) {
    p.add(`${path}.audience`, 'or auth.keycloak.clients is required (KEYCLOAK_AUDIENCE, KEYCLOAK_CLIENTS): without either, a token any client of the realm obtained would be accepted')
  }
  const tierMap = section(raw, 'tier_map', p, `${path}.tier_map`)
  const map: Record<string, string> = {}
  for (const [k, v] of Object.entries(tierMap)) {
    if (typeof v !== 'string') p.add(`${path}.tier_map.${k}`, 'must be a tier name')
    else map[k] = v
  }
  const d = DEFAULTS.keycloak
  return {
    issuer: issuer.replace(/\/+$/, ''),
    audience,
    clients,
    tier_claim: str(raw, 'tier_claim', `${path}.tier_claim`, p, d.tier_claim),
    tier_map: Object.keys(map).length > 0 ? map : { ...d.tier_map },
    default_tier: str(raw, 'default_tier', `${path}.default_tier`, p, d.default_tier),
    admin_role: str(raw, 'admin_role', `${path}.admin_role`, p, d.admin_role),
    client_id: clientId,
    client_secret: str(raw, 'client_secret', `${path}.client_secret`, p, null),
  }
}

/** Shorter keys are guessable offline from one minted token. */
const MIN_SIGNING_KEY_LENGTH = 32

function normalizeSessions(raw: Raw, p: Problems): SessionsConfig {
  const path = 'auth.sessions'
  const d = DEFAULTS.sessions
  const signingKey = str(raw, 'signing_key', `${path}.signing_key`, p, null)
  if (signingKey !== null && signingKey.length < MIN_SIGNING_KEY_LENGTH) {
    p.add(`${path}.signing_key`, `must be at least ${MIN_SIGNING_KEY_LENGTH} characters (e.g. openssl rand -base64 48)`)
  }
  return {
    signing_key: signingKey,
    access_ttl_s: int(raw, 'access_ttl_s', `${path}.access_ttl_s`, p, d.access_ttl_s, 60),
    refresh_ttl_s: int(raw, 'refresh_ttl_s', `${path}.refresh_ttl_s`, p, d.refresh_ttl_s, 60),
    console_recheck_s: int(raw, 'console_recheck_s', `${path}.console_recheck_s`, p, d.console_recheck_s, 1),
  }
}
