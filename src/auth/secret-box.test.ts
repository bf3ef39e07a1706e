import { describe, expect, it } from 'bun:test'
import { createSecretBox } from './secret-box'

const key = (b: number) => new Uint8Array(32).fill(b)

describe('secret box', () => {
  it('opens what it sealed for the same purpose, and nothing else', () => {
    const box = createSecretBox(key(1))
    const sealed = box.seal('keycloak refresh token', 'purpose-a')
    expect(sealed).not.toContain('keycloak')
    expect(box.open(sealed, 'purpose-a')).toBe('keycloak refresh token')
    expect(box.open(sealed, 'purpose-b')).toBeNull()
    expect(createSecretBox(key(2)).open(sealed, 'purpose-a')).toBeNull()
    const bytes = Buffer.from(sealed, 'base64url')
    bytes[bytes.length - 1]! ^= 1
    expect(box.open(bytes.toString('base64url'), 'purpose-a')).toBeNull()
    for (const junk of ['', 'abc', '!!!', 'A'.repeat(100_000)]) expect(box.open(junk, 'purpose-a')).toBeNull()
  })

  it('seals the same value differently each time', () => {
    const box = createSecretBox(key(1))
    expect(box.seal('x', 'p')).not.toBe(box.seal('x', 'p'))
  })
})
