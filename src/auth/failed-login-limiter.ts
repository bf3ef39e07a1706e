// Slows down whoever keeps presenting credentials that fail: after `maxFailures` failed
// authentications from one client address within `windowMs`, that address's credentials that are
// not already known good (a cached key or token) are refused with 429 without being looked up. A
// flood of made-up keys would otherwise cost a key store round trip each (a miss cannot be cached
// for keys never seen), and made-up tokens a signature check each. Users behind the same address
// whose credentials were checked lately (the caches hold them seconds to minutes) are not affected.
// Memory is bounded: at most `maxAddresses` are remembered, the oldest forgotten first.
import { GatewayError } from '../errors/gateway-error'

/**
 * The error code of a 401 for a correctly signed token that has expired: its holder needs a new one
 * and is no guesser, so it does not count as a failure.
 */
export const TOKEN_EXPIRED = 'token_expired'

/** The 429 of an address that keeps failing, with how long it must wait. */
export const tooManyFailedAuthentications = (seconds: number) =>
  new GatewayError(429, 'rate_limit_error', `Too many failed authentications from this address; retry in ${seconds} s.`, { headers: { 'retry-after': String(seconds) }, code: 'too_many_failed_authentications' })

export interface FailedLoginLimiter {
  /** Seconds until `address` may try unknown credentials again; 0 when it may now. */
  blockedFor(address: string): number
  /** Records a failed authentication from `address`. */
  failed(address: string): void
}

export interface FailedLoginLimiterOptions {
  maxFailures?: number
  windowMs?: number
  maxAddresses?: number
  now?: () => number
}

interface Failures {
  count: number
  since: number
}

export function createFailedLoginLimiter(options: FailedLoginLimiterOptions = {}): FailedLoginLimiter {
  const maxFailures = options.maxFailures ?? 20
  const windowMs = options.windowMs ?? 60_000
  const maxAddresses = options.maxAddresses ?? 10_000
  const now = options.now ?? Date.now
  const byAddress = new Map<string, Failures>()

  return {
    blockedFor(address) {
      const f = byAddress.get(address)
      if (!f || f.count < maxFailures) return 0
      const left = f.since + windowMs - now()
      if (left > 0) return Math.ceil(left / 1000)
      byAddress.delete(address)
      return 0
    },
    failed(address) {
      const t = now()
      let f = byAddress.get(address)
      if (f && t - f.since >= windowMs) {
        byAddress.delete(address)
        f = undefined
      }
      if (!f) {
        if (byAddress.size >= maxAddresses) byAddress.delete(byAddress.keys().next().value!)
        byAddress.set(address, (f = { count: 0, since: t }))
      }
      f.count++
    },
  }
}
