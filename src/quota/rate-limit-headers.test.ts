import { describe, expect, it } from 'bun:test'
import { rateLimitHeaders } from './rate-limit-headers'

const base = {
  allowed: true,
  limit: 10 as number | null,
  remaining: 7 as number | null,
  tokenLimit: null as number | null,
  tokensRemaining: null as number | null,
  resetsAt: new Date('2026-11-28T00:00:00Z'),
  retryAfterSeconds: 3 * 3600 + 2 * 60 + 1,
}

describe('rateLimitHeaders', () => {
  it('gives OpenAI request headers with the reset as a duration', () => {
    expect(rateLimitHeaders(base, 'openai')).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '7',
      'x-ratelimit-reset-requests': '3h2m1s',
    })
  })

  it('adds Anthropic request headers with the reset in RFC 3339 on anthropic routes', () => {
    expect(rateLimitHeaders(base, 'anthropic')).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '7',
      'x-ratelimit-reset-requests': '3h2m1s',
      'anthropic-ratelimit-requests-limit': '10',
      'anthropic-ratelimit-requests-remaining': '7',
      'anthropic-ratelimit-requests-reset': '2026-11-28T00:00:00Z',
    })
  })

  it('adds retry-after in whole seconds when the request is refused', () => {
    const headers = rateLimitHeaders({ ...base, allowed: false, remaining: 0 }, 'openai')
    expect(headers['retry-after']).toBe('10921')
    expect(headers['x-ratelimit-remaining-requests']).toBe('0')
  })

  it('writes short resets as minutes and seconds, or seconds alone', () => {
    expect(rateLimitHeaders({ ...base, retryAfterSeconds: 59 * 60 }, 'openai')['x-ratelimit-reset-requests']).toBe('59m0s')
    expect(rateLimitHeaders({ ...base, retryAfterSeconds: 7 }, 'openai')['x-ratelimit-reset-requests']).toBe('7s')
  })

  it('leaves out limit and remaining when the tier is unlimited, keeping the reset', () => {
    expect(rateLimitHeaders({ ...base, limit: null, remaining: null }, 'anthropic')).toEqual({
      'x-ratelimit-reset-requests': '3h2m1s',
      'anthropic-ratelimit-requests-reset': '2026-11-28T00:00:00Z',
    })
  })

  it('adds token headers when the tier has a daily token limit', () => {
    const headers = rateLimitHeaders({ ...base, tokenLimit: 50_000, tokensRemaining: 1_234 }, 'anthropic')
    expect(headers['x-ratelimit-limit-tokens']).toBe('50000')
    expect(headers['x-ratelimit-remaining-tokens']).toBe('1234')
    expect(headers['anthropic-ratelimit-tokens-remaining']).toBe('1234')
    expect(headers['anthropic-ratelimit-tokens-reset']).toBe('2026-11-28T00:00:00Z')
  })
})
