// Step two of the pipeline: count the request against the caller's daily quota and per-user limits
// (requests in flight, per minute), or refuse it with a 429 in the client's format. What comes back
// is what the later steps need of the admission: the rate-limit headers for the answer, a way to
// give the request back when no answer came, a way to record the tokens an answer used, and the
// end of the request, which frees its place among the user's requests in flight.
import { usageSubject } from '../auth/identity'
import type { TierConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
import { type LimitDecision, type LimitLease, noLimitLease } from '../limits/limit-service'
import { hasLimits, limitValue, type LimitKind, type UserLimits } from '../limits/user-limits'
import type { TokenUsage } from '../protocol/usage'
import type { WireFormat } from '../protocol/vocabulary'
import type { QuotaTicket } from '../quota/quota-ticket'
import { rateLimitHeaders } from '../quota/rate-limit-headers'
import type { ProxyDeps, ProxyRequest } from './proxy-request'
import type { RequestRecord } from './request-record'

export interface Admission {
  /** Headers for every counted answer (empty when nothing is counted). */
  rateHeaders: Record<string, string>
  /** Gives the counted request back (the upstream answered non-2xx or failed before any byte). Idempotent. */
  giveBack(): void
  /** The tokens an answer used: counted against the quota and limits, in metrics and in the access log. */
  recordUsage(usage: TokenUsage): void
  /** The answer is a stream: the request ends with it, not when the answer's headers are out. */
  holdUntilStreamEnds(): void
  /** Whether holdUntilStreamEnds was called. */
  readonly streaming: boolean
  /** The request is over (answered, stream ended, failed, aborted): frees its slot. Idempotent. */
  finish(): void
}

/** The tier's per-user limits, or null when it sets none (nothing to ask a store). */
function limitsOf(tier: TierConfig): UserLimits | null {
  const limits = { concurrentRequests: tier.concurrent_requests, requestsPerMinute: tier.requests_per_minute, tokensPerMinute: tier.tokens_per_minute }
  return hasLimits(limits) ? limits : null
}

/**
 * `daily`: whether the request counts against the daily quota (count_tokens does not; it is held
 * to the per-user limits only).
 */
export async function admitRequest(deps: ProxyDeps, req: ProxyRequest, tier: TierConfig, daily = true): Promise<Admission> {
  const subject = usageSubject(req.identity)
  const quotaLimits = { dailyRequests: tier.daily_requests, dailyTokens: tier.daily_tokens }
  const limits = deps.limits ? limitsOf(tier) : null
  if (limits === null) {
    const ticket = daily && deps.quota ? await deps.quota.admit(subject, quotaLimits) : null
    return admission(deps, subject, req.format, req.record, tier.name, ticket, noLimitLease())
  }
  // Both asked at once: on Redis the two scripts go out together and share one round trip. Each
  // is undone when the other refuses, so a refusal never leaves a count or a slot behind.
  const [limited, counted] = await Promise.allSettled([deps.limits!.admit(subject, limits), daily && deps.quota ? deps.quota.admit(subject, quotaLimits) : null])
  const lease = limited.status === 'fulfilled' && limited.value.allowed ? limited.value.lease : null
  const ticket = counted.status === 'fulfilled' ? counted.value : null
  if (limited.status === 'rejected' || counted.status === 'rejected' || !limited.value.allowed) {
    void ticket?.release()
    lease?.cancel()
    if (limited.status === 'rejected') throw limited.reason
    if (counted.status === 'rejected') throw counted.reason
    throw limitRefusal(deps, tier, limits, limited.value as Extract<LimitDecision, { allowed: false }>)
  }
  if (ticket && !ticket.allowed) lease!.cancel()
  return admission(deps, subject, req.format, req.record, tier.name, ticket, lease!)
}

const LIMIT_MESSAGES: Record<LimitKind, (limit: number | null, tier: string) => string> = {
  concurrent_requests: (n, tier) => `Too many requests in flight: the ${tier} tier allows ${n} at a time.`,
  requests_per_minute: (n, tier) => `Request rate limit of ${n} per minute for the ${tier} tier reached.`,
  tokens_per_minute: (n, tier) => `Token rate limit of ${n} per minute for the ${tier} tier reached.`,
}

function limitRefusal(deps: ProxyDeps, tier: TierConfig, limits: UserLimits, refused: Extract<LimitDecision, { allowed: false }>): GatewayError {
  deps.metrics.limitRejections.inc({ tier: tier.name, limit: refused.deniedBy })
  const message = `${LIMIT_MESSAGES[refused.deniedBy](limitValue(limits, refused.deniedBy), tier.name)} Retry in ${refused.retryAfterSeconds} s.`
  return new GatewayError(429, 'rate_limit_error', message, { headers: { 'retry-after': String(refused.retryAfterSeconds) }, code: `${refused.deniedBy}_exceeded` })
}

/**
 * Not part of the async function above on purpose: a stream keeps recordUsage for its whole life,
 * and a closure made in an async function keeps every variable that lives across its await, the
 * request and its parsed body included. These closures keep only their arguments.
 */
function admission(deps: ProxyDeps, subject: string, format: WireFormat, record: RequestRecord | undefined, tierName: string, ticket: QuotaTicket | null, lease: LimitLease): Admission {
  const { metrics, log } = deps
  const rateHeaders = ticket ? rateLimitHeaders(ticket, format) : {}
  if (ticket) {
    metrics.recordQuotaUsed(subject, ticket.used, ticket.day)
    if (!ticket.allowed) {
      metrics.quotaRejections.inc({ tier: tierName })
      const what = ticket.deniedBy === 'tokens' ? `token quota of ${ticket.tokenLimit}` : `request quota of ${ticket.limit}`
      throw new GatewayError(429, 'rate_limit_error', `Daily ${what} for the ${tierName} tier is used up; it resets at ${ticket.resetsAt.toISOString()}.`, {
        headers: { ...rateHeaders, 'retry-after': String(ticket.retryAfterSeconds) },
        code: 'daily_quota_exceeded',
      })
    }
  }
  let givenBack = false
  let streaming = false
  return {
    rateHeaders,
    giveBack() {
      if (givenBack || !ticket) return
      givenBack = true
      ticket.release().catch((e) => log.warn('quota give-back failed', { error: String(e) }))
    },
    recordUsage(usage) {
      if (record) record.usage = usage
      metrics.tokens.inc({ tier: tierName, direction: 'input' }, usage.input_tokens)
      metrics.tokens.inc({ tier: tierName, direction: 'output' }, usage.output_tokens)
      ticket?.recordTokens(usage.input_tokens, usage.output_tokens).catch((e) => log.warn('token accounting failed', { error: String(e) }))
      lease.recordTokens(usage.input_tokens + usage.output_tokens)
    },
    holdUntilStreamEnds() {
      streaming = true
    },
    get streaming() {
      return streaming
    },
    finish: () => lease.finish(),
  }
}
