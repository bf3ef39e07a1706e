import { describe, expect, it } from 'bun:test'
import { Problems } from '../field-readers'
import { normalizeTiers } from './tiers'

function tiers(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { tiers: normalizeTiers(raw, p), problems: p.list }
}

describe('normalizeTiers', () => {
  it('requires at least one tier', () => {
    expect(tiers({}).problems).toEqual(['c.yaml: tiers: at least one tier is required'])
    expect(tiers({ free: 'x' }).problems).toEqual(['c.yaml: tiers.free: must be a mapping', 'c.yaml: tiers: at least one tier is required'])
  })

  it('lets a tier with no limits and no model list use every model without limit, each tier with its own list', () => {
    const { tiers: t, problems } = tiers({ a: {}, b: null })
    expect(problems).toEqual(['c.yaml: tiers.b: must be a mapping'])
    expect(t.a).toEqual({ name: 'a', daily_requests: null, daily_tokens: null, concurrent_requests: null, requests_per_minute: null, tokens_per_minute: null, models: ['*'], routes: [], managed_settings: {}, self_service_keys: false })
    t.a!.models.push('changed')
    expect(tiers({ c: {} }).tiers.c!.models).toEqual(['*'])
  })

  it('keeps routes in order and reports one that names no model', () => {
    const { tiers: t, problems } = tiers({ free: { routes: { 'claude-*': 'm1', 'gpt-*': '', 'x': 3 } } })
    expect(t.free!.routes).toEqual([['claude-*', 'm1']])
    expect(problems).toEqual(['c.yaml: tiers.free.routes.gpt-*: must name a model', 'c.yaml: tiers.free.routes.x: must name a model'])
  })

  it('reads the per-user limits, null or absent being none', () => {
    const { tiers: t, problems } = tiers({ free: { concurrent_requests: 2, requests_per_minute: '10', tokens_per_minute: null }, bad: { concurrent_requests: -1 } })
    expect(t.free).toMatchObject({ concurrent_requests: 2, requests_per_minute: 10, tokens_per_minute: null })
    expect(problems).toEqual([expect.stringMatching(/tiers\.bad\.concurrent_requests: must be an integer >= 0/)])
  })

  it('reads self_service_keys as a boolean, from YAML or a ${VAR}, and reports anything else', () => {
    const { tiers: t, problems } = tiers({ a: { self_service_keys: true }, b: { self_service_keys: 'false' }, c: { self_service_keys: 'yes' } })
    expect([t.a!.self_service_keys, t.b!.self_service_keys, t.c!.self_service_keys]).toEqual([true, false, false])
    expect(problems).toEqual(['c.yaml: tiers.c.self_service_keys: must be true or false, got "yes"'])
  })
})
