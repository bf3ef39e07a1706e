import { describe, expect, it } from 'bun:test'
import { selectTier } from './select-tier'

const selection = {
  tierMap: { 'tier-free': 'free', 'tier-pro': 'pro', 'tier-enterprise': 'enterprise', 'beta-testers': 'beta' },
  tierOrder: ['free', 'pro', 'enterprise'],
  defaultTier: 'free',
}

describe('selectTier', () => {
  it('picks the highest mapped tier, whatever the order of values', () => {
    expect(selectTier(['tier-pro', 'tier-free'], selection)).toBe('pro')
    expect(selectTier(['tier-enterprise', 'tier-pro'], selection)).toBe('enterprise')
    expect(selectTier(['tier-free', 'tier-enterprise'], selection)).toBe('enterprise')
  })

  it('gives the default tier when nothing maps', () => {
    expect(selectTier([], selection)).toBe('free')
    expect(selectTier(['offline_access'], { ...selection, defaultTier: 'pro' })).toBe('pro')
  })

  it('ranks a mapped tier missing from tierOrder below the listed ones but above the default', () => {
    expect(selectTier(['beta-testers'], selection)).toBe('beta')
    expect(selectTier(['beta-testers', 'tier-free'], selection)).toBe('free')
  })

  it('ignores inherited object keys', () => {
    expect(selectTier(['toString', '__proto__'], selection)).toBe('free')
  })
})
