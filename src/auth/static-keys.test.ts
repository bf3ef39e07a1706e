import { describe, expect, it } from 'bun:test'
import { createStaticKeyAuthenticator } from './static-keys'

describe('createStaticKeyAuthenticator', () => {
  const auth = createStaticKeyAuthenticator([
    { key: 'sk-dev-alice', user: 'alice', tier: 'pro' },
    { key: 'sk-dev-bob', user: 'bob', tier: 'free', name: 'Bob laptop' },
  ])

  it('maps a listed key to its user and tier', () => {
    expect(auth.authenticate('sk-dev-alice')).toEqual({ user: 'alice', tier: 'pro', source: 'static-key' })
    expect(auth.authenticate('sk-dev-bob')).toEqual({ user: 'bob', tier: 'free', name: 'Bob laptop', source: 'static-key' })
  })

  it('refuses unknown keys, prefixes and extensions of listed keys', () => {
    for (const candidate of ['sk-dev-carol', 'sk-dev-alic', 'sk-dev-alice2', '']) expect(auth.authenticate(candidate)).toBeNull()
  })

  it('keeps no plain-text key in the authenticator', () => {
    expect(JSON.stringify(auth)).not.toContain('sk-dev')
    expect(Bun.inspect(auth)).not.toContain('sk-dev')
  })

  it('rejects an entry without key, user or tier when built', () => {
    expect(() => createStaticKeyAuthenticator([{ key: '', user: 'a', tier: 'pro' }])).toThrow()
    expect(() => createStaticKeyAuthenticator([{ key: 'k', user: '', tier: 'pro' }])).toThrow()
  })

  it('rejects a key no client could send, when built', () => {
    expect(() => createStaticKeyAuthenticator([{ key: 'has space', user: 'a', tier: 'pro' }])).toThrow(/characters/)
  })
})
