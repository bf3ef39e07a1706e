// The rate-limit headers of a counted response (and of its 429), sent before a stream's first byte.
//
// Every format gets OpenAI's names:
//   x-ratelimit-limit-requests       the daily limit
//   x-ratelimit-remaining-requests   requests left today
//   x-ratelimit-reset-requests       time to the reset in OpenAI's duration form: "3h2m1s", "59m0s", "7s"
// `anthropic` adds Anthropic's names, with the reset as an RFC 3339 instant:
//   anthropic-ratelimit-requests-limit | -remaining | -reset
// When a tier has a daily token limit, the same families carry `tokens` instead of `requests`.
// Unlimited (or uncounted, while the store is down under `allow`): limit and remaining are left
// out, the reset headers stay, as the counters still reset at midnight.
// A refused request also gets `retry-after`: whole seconds to the reset.

import type { WireFormat } from '../protocol/vocabulary'
import type { QuotaTicket } from './quota-ticket'
import { toRfc3339 } from './to-rfc3339'

function openAIDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds))
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

// Every request of a second has the same reset duration, and of a day the same reset instant:
// each is formatted once.
let lastSeconds = -1
let lastDuration = ''
function resetDuration(seconds: number): string {
  if (seconds !== lastSeconds) {
    lastSeconds = seconds
    lastDuration = openAIDuration(seconds)
  }
  return lastDuration
}
let lastResetMs = Number.NaN
let lastInstant = ''
function resetInstant(resetsAt: Date): string {
  const ms = resetsAt.getTime()
  if (ms !== lastResetMs) {
    lastResetMs = ms
    lastInstant = toRfc3339(resetsAt)
  }
  return lastInstant
}

// Header names written out once (not built per request).
const familyNames = (unit: 'requests' | 'tokens') => ({
  limit: `x-ratelimit-limit-${unit}`,
  remaining: `x-ratelimit-remaining-${unit}`,
  reset: `x-ratelimit-reset-${unit}`,
  anthropicLimit: `anthropic-ratelimit-${unit}-limit`,
  anthropicRemaining: `anthropic-ratelimit-${unit}-remaining`,
  anthropicReset: `anthropic-ratelimit-${unit}-reset`,
})
type FamilyNames = ReturnType<typeof familyNames>
const REQUESTS = familyNames('requests')
const TOKENS = familyNames('tokens')

type RateLimitTicket = Pick<
  QuotaTicket,
  'allowed' | 'limit' | 'remaining' | 'tokenLimit' | 'tokensRemaining' | 'resetsAt' | 'retryAfterSeconds'
>

export function rateLimitHeaders(ticket: RateLimitTicket, format: WireFormat): Record<string, string> {
  const headers: Record<string, string> = {}
  const reset = resetDuration(ticket.retryAfterSeconds)
  const resetAt = resetInstant(ticket.resetsAt)

  const family = (names: FamilyNames, limit: number | null, remaining: number | null) => {
    if (limit !== null) headers[names.limit] = String(limit)
    if (limit !== null && remaining !== null) headers[names.remaining] = String(remaining)
    headers[names.reset] = reset
    if (format === 'anthropic') {
      if (limit !== null) headers[names.anthropicLimit] = String(limit)
      if (limit !== null && remaining !== null) headers[names.anthropicRemaining] = String(remaining)
      headers[names.anthropicReset] = resetAt
    }
  }

  family(REQUESTS, ticket.limit, ticket.remaining)
  if (ticket.tokenLimit !== null) family(TOKENS, ticket.tokenLimit, ticket.tokensRemaining)
  if (!ticket.allowed) headers['retry-after'] = String(ticket.retryAfterSeconds)
  return headers
}
