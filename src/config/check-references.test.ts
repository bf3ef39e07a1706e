import { describe, expect, it } from 'bun:test'
import { checkReferences } from './check-references'
import type { GatewayConfig, ModelConfig, StaticKeyConfig, TierConfig } from './config-types'
import { Problems } from './field-readers'
import { normalizeConfig } from './normalize-config'

const model = (pattern: string, backend = 'b', fallbacks: string[] = []): ModelConfig => ({ pattern, backend, upstream_model: null, max_output_tokens: null, display_name: null, fallbacks, price: null })
const tier = (name: string, routes: [string, string][] = []): TierConfig => ({ name, daily_requests: null, daily_tokens: null, concurrent_requests: null, requests_per_minute: null, tokens_per_minute: null, models: ['*'], routes, managed_settings: {}, self_service_keys: false })

/** A valid config with backend b, model m1 and tier free, with the given parts replaced. */
function config(parts: Partial<GatewayConfig> = {}): GatewayConfig {
  const base = normalizeConfig({ backends: { b: { base_url: 'http://b/v1' } }, models: { m1: { backend: 'b' } }, tiers: { free: {} } }, { source: 'c.yaml', lenientModels: false })
  expect(base.problems).toEqual([])
  return { ...base.config, ...parts }
}

function check(c: GatewayConfig, options: Partial<Parameters<typeof checkReferences>[2]> = {}): string[] {
  const p = new Problems('c.yaml')
  checkReferences(c, p, { routeTargets: true, ...options })
  return p.list
}

describe('checkReferences', () => {
  it('finds nothing wrong in a config whose names all resolve', () => {
    expect(check(config({ models: [model('m1'), model('gpt-*', 'b', ['m1'])], tiers: { free: tier('free', [['claude-*', 'gpt-4o']]) } }))).toEqual([])
  })

  it('reports a route target that matches no model, with its key path', () => {
    const c = config({ tiers: { free: tier('free', [['x-*', 'm2'], ['y', 'm1']]) } })
    expect(check(c)).toEqual(['c.yaml: tiers.free.routes.x-*: target "m2" matches no entry of models'])
  })

  it('reports a fallback that names no model', () => {
    const c = config({ models: [model('m1', 'b', ['m1', 'nope'])] })
    expect(check(c)).toEqual(['c.yaml: models.m1.fallbacks: "nope" matches no entry of models'])
  })

  it('leaves route targets and fallbacks alone when asked to (the built-in table)', () => {
    const c = config({ models: [model('m1', 'b', ['nope'])], tiers: { free: tier('free', [['x', 'm2']]) } })
    expect(check(c, { routeTargets: false })).toEqual([])
  })

  it('reports a model naming an unknown backend, but not one naming none', () => {
    const c = config({ models: [model('m1', 'gone'), model('m2', '')] })
    expect(check(c)).toEqual(['c.yaml: models.m1.backend: names an unknown backend "gone"'])
  })

  it('reports a static key naming an unknown tier at the path it was read from', () => {
    const good: StaticKeyConfig = { key: 'k1', user: 'u', tier: 'free' }
    const bad: StaticKeyConfig = { key: 'k2', user: 'u', tier: 'gold' }
    const c = config({ auth: { ...config().auth, keys: [good, bad] } })
    expect(check(c)).toEqual(['c.yaml: auth.keys[1].tier: names an unknown tier "gold"'])
    // An entry of the file that was not a mapping is not in the list: the path is the file's.
    expect(check(c, { keyPaths: new Map([[good, 'auth.keys[1]'], [bad, 'auth.keys[2]']]) })).toEqual(['c.yaml: auth.keys[2].tier: names an unknown tier "gold"'])
  })

  it("reports Keycloak's default tier when no tier has its name", () => {
    const keycloak = { issuer: 'https://kc/realms/a', audience: null, clients: [], tier_claim: 'roles', tier_map: {}, default_tier: 'basic', admin_role: null, client_id: null, client_secret: null }
    const c = config({ auth: { ...config().auth, keycloak } })
    expect(check(c)).toEqual(['c.yaml: auth.keycloak.default_tier: names an unknown tier "basic"'])
  })

  it('is what normalizeConfig runs: a key after an entry that is not a mapping is named by its place in the file', () => {
    const raw = { backends: { b: { base_url: 'http://b/v1' } }, models: { m1: { backend: 'b' } }, tiers: { free: {} }, auth: { keys: ['oops', { key: 'k', user: 'u', tier: 'gold' }] } }
    const { problems } = normalizeConfig(raw, { source: 'c.yaml', lenientModels: false })
    expect(problems).toEqual(['c.yaml: auth.keys[0]: must be a mapping with key, user and tier', 'c.yaml: auth.keys[1].tier: names an unknown tier "gold"'])
  })
})

