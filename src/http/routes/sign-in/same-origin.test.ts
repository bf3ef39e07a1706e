import { describe, expect, it } from 'bun:test'
import { isSameOriginSubmission } from './same-origin'

const ORIGIN = 'https://gateway.test'
const check = (headers: Record<string, string>) => isSameOriginSubmission(new Headers(headers), ORIGIN)

describe('the verification form accepts submissions from its own page only', () => {
  it('accepts the browser signals of a same-origin form post', () => {
    expect(check({ origin: ORIGIN })).toBe(true)
    expect(check({ 'sec-fetch-site': 'same-origin' })).toBe(true)
    expect(check({ referer: `${ORIGIN}/device?user_code=X` })).toBe(true)
  })

  it('refuses cross-site posts, opaque origins, look-alike origins and requests with no signal at all', () => {
    expect(check({ origin: 'https://evil.test', 'sec-fetch-site': 'same-origin' })).toBe(false)
    expect(check({ origin: 'null' })).toBe(false)
    expect(check({ origin: 'https://gateway.test.evil.test' })).toBe(false)
    expect(check({ 'sec-fetch-site': 'cross-site', referer: `${ORIGIN}/device` })).toBe(false)
    expect(check({ referer: 'https://evil.test/gateway.test' })).toBe(false)
    expect(check({ referer: 'not a url' })).toBe(false)
    expect(check({})).toBe(false)
  })
})
