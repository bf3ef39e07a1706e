import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../errors/gateway-error'
import { extractCredential } from './extract-credential'

function extract(init: Record<string, string>): string | null {
  return extractCredential(new Headers(init))
}

function expect401(init: Record<string, string>): void {
  try {
    extract(init)
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(401)
    return
  }
  throw new Error('expected a 401')
}

describe('extractCredential', () => {
  it('reads x-api-key', () => {
    expect(extract({ 'x-api-key': 'sk-gw-abc' })).toBe('sk-gw-abc')
  })

  it('reads a Bearer token with any casing of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(extract({ authorization: `${scheme} eyJa.eyJb.sig` })).toBe('eyJa.eyJb.sig')
    }
  })

  it('prefers x-api-key when both are sent', () => {
    expect(extract({ 'x-api-key': 'key-a', authorization: 'Bearer key-b' })).toBe('key-a')
  })

  it('returns null when no credential is sent', () => {
    expect(extract({})).toBeNull()
  })

  it('refuses malformed Authorization headers with 401', () => {
    for (const value of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'sk-gw-abc', 'Bearer a b', 'Bearer a\tb', 'Bearer a,b']) {
      expect401({ authorization: value })
    }
  })

  it('refuses an empty or malformed x-api-key with 401', () => {
    expect401({ 'x-api-key': '' })
    expect401({ 'x-api-key': 'has space' })
  })

  it('refuses a 64 KB header with 401 without parsing it', () => {
    const huge = 'a'.repeat(64 * 1024)
    expect401({ authorization: `Bearer ${huge}` })
    expect401({ 'x-api-key': huge })
    const started = performance.now()
    for (let i = 0; i < 1000; i++) {
      try {
        extract({ authorization: `Bearer ${huge}` })
      } catch {}
    }
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
