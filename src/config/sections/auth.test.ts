import { describe, expect, it } from 'bun:test'
import { DEFAULTS } from '../defaults'
import { Problems } from '../field-readers'
import { normalizeAuth } from './auth'

function auth(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { ...normalizeAuth(raw, p), problems: p.list }
}

describe('normalizeAuth', () => {
  it('turns on static keys alone by default, and Keycloak beside them once an issuer is configured', () => {
    expect(auth({}).auth.providers).toEqual(['keys'])
    const kc = auth({ keycloak: { issuer: 'https://kc/realms/a/', audience: 'llm-gateway' } })
    expect(kc.problems).toEqual([])
    expect(kc.auth.providers).toEqual(['keys', 'keycloak'])
    expect(kc.auth.keycloak).toEqual({ issuer: 'https://kc/realms/a', audience: 'llm-gateway', clients: [], ...DEFAULTS.keycloak, client_id: null, client_secret: null })
  })

  it('requires an issuer when the keycloak provider is on, and refuses a provider it does not know', () => {
    expect(auth({ providers: 'keycloak, ldap' }).problems).toEqual(['c.yaml: auth.providers: unknown provider "ldap" (keys, keycloak)', 'c.yaml: auth.keycloak.issuer: is required when the keycloak provider is on (set KEYCLOAK_URL)'])
  })

  it('records the key path of each static key, which skips an entry that is not a mapping', () => {
    const { auth: a, keyPaths, problems } = auth({ keys: [{ key: 'k0', user: 'u', tier: 'free' }, 'oops', { key: 'k2', user: '', tier: 'pro', name: 'ci' }] })
    expect(a.keys).toEqual([{ key: 'k0', user: 'u', tier: 'free' }, { key: 'k2', user: '', tier: 'pro', name: 'ci' }])
    expect(a.keys.map((k) => keyPaths.get(k))).toEqual(['auth.keys[0]', 'auth.keys[2]'])
    expect(problems).toEqual(['c.yaml: auth.keys[1]: must be a mapping with key, user and tier', 'c.yaml: auth.keys[2].user: is required'])
  })

  it('gives each config its own copy of the default tier map', () => {
    const a = auth({ keycloak: { issuer: 'https://kc/r', audience: 'gw' } }).auth.keycloak!
    a.tier_map.extra = 'x'
    expect(auth({ keycloak: { issuer: 'https://kc/r', audience: 'gw' } }).auth.keycloak!.tier_map).toEqual({ 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise' })
  })

  it('refuses a static key no client could send (a space), naming the key path and never the key', () => {
    const { problems } = auth({ keys: [{ key: 'sk-dev alice', user: 'alice', tier: 'pro' }] })
    expect(problems).toEqual([expect.stringMatching(/^c\.yaml: auth\.keys\[0\]\.key: has characters a client cannot send/)])
    expect(problems.join('\n')).not.toContain('sk-dev alice')
    expect(auth({ admin_key: 'two words' }).problems).toEqual([expect.stringMatching(/auth\.admin_key: has characters/)])
  })

  it('keeps the keycloak: namespace for Keycloak users', () => {
    expect(auth({ keys: [{ key: 'sk-x', user: 'keycloak:f81d4fae', tier: 'pro' }] }).problems).toEqual([expect.stringMatching(/auth\.keys\[0\]\.user: may not start with "keycloak:"/)])
  })

  it('requires an audience or a list of clients, so that a token of any client of the realm is not enough', () => {
    expect(auth({ keycloak: { issuer: 'https://kc/r' } }).problems).toEqual([expect.stringMatching(/auth\.keycloak\.audience: or auth\.keycloak\.clients is required/)])
    const clients = auth({ keycloak: { issuer: 'https://kc/r', clients: 'claude-code, codex' } })
    expect(clients.problems).toEqual([])
    expect(clients.auth.keycloak!.clients).toEqual(['claude-code', 'codex'])
  })

  it('refuses an http issuer except on a loopback address', () => {
    expect(auth({ keycloak: { issuer: 'http://keycloak.example/realms/a', audience: 'gw' } }).problems).toEqual([expect.stringMatching(/auth\.keycloak\.issuer: must be an https URL/)])
    for (const issuer of ['http://127.0.0.1:8080/realms/a', 'http://localhost:8080/realms/a', 'http://[::1]:8080/realms/a']) {
      expect(auth({ keycloak: { issuer, audience: 'gw' } }).problems).toEqual([])
    }
  })

  it('reads the sign-in client and the session settings, and refuses a short signing key', () => {
    const a = auth({ keycloak: { issuer: 'https://kc/realms/a', client_id: 'claude-gateway', client_secret: 's3cret' }, sessions: { access_ttl_s: 600 } })
    expect(a.problems).toEqual([])
    expect(a.auth.keycloak).toMatchObject({ client_id: 'claude-gateway', client_secret: 's3cret' })
    // Sign-in on and no audience or clients said: bearer tokens of the gateway's own client only.
    expect(a.auth.keycloak!.clients).toEqual(['claude-gateway'])
    expect(auth({ keycloak: { issuer: 'https://kc/realms/a', client_id: 'claude-gateway', audience: 'llm-gateway' } }).auth.keycloak!.clients).toEqual([])
    expect(a.auth.sessions).toEqual({ signing_key: null, access_ttl_s: 600, refresh_ttl_s: 2592000, console_recheck_s: 300 })
    expect(auth({ sessions: { signing_key: 'short' } }).problems).toEqual(['c.yaml: auth.sessions.signing_key: must be at least 32 characters (e.g. openssl rand -base64 48)'])
    expect(auth({ keycloak: { client_id: 'claude-gateway' } }).problems).toEqual(['c.yaml: auth.keycloak.issuer: is required for sign-in (auth.keycloak.client_id is set; set KEYCLOAK_URL)'])
  })
})
