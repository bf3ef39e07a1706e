import { describe, expect, it } from 'bun:test'
import { readClaimPath } from './read-claim-path'

const claims = {
  realm_access: { roles: ['tier-pro', 'offline_access', 7] },
  resource_access: { 'my.app': { roles: ['tier-enterprise'] }, gateway: { roles: ['tier-free'] } },
  groups: ['/tier-pro', '/staff'],
  plan: 'tier-pro',
  nested: { count: 3 },
}

describe('readClaimPath', () => {
  it('reads a list at a dotted path, keeping only strings', () => {
    expect(readClaimPath(claims, 'realm_access.roles')).toEqual(['tier-pro', 'offline_access'])
  })

  it('reads a top-level list and a plain string attribute', () => {
    expect(readClaimPath(claims, 'groups')).toEqual(['/tier-pro', '/staff'])
    expect(readClaimPath(claims, 'plan')).toEqual(['tier-pro'])
  })

  it('reads client roles, including client ids that contain dots', () => {
    expect(readClaimPath(claims, 'resource_access.gateway.roles')).toEqual(['tier-free'])
    expect(readClaimPath(claims, 'resource_access.my.app.roles')).toEqual(['tier-enterprise'])
  })

  it('gives nothing for missing paths and non-string values', () => {
    expect(readClaimPath(claims, 'realm_access.missing')).toEqual([])
    expect(readClaimPath(claims, 'nested.count')).toEqual([])
    expect(readClaimPath(claims, 'nested')).toEqual([])
    expect(readClaimPath(null, 'a')).toEqual([])
    expect(readClaimPath({ a: ['x'] }, 'a.0')).toEqual([])
  })

  it('does not walk into the prototype', () => {
    expect(readClaimPath({}, 'constructor.name')).toEqual([])
  })
})
