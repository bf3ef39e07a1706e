// Step two of the pipeline: count the request against the caller's daily quota, or refuse it with
// a 429 in the client's format. What comes back is what the later steps need of the admission:
// the rate-limit headers for the answer, a way to give the request back when no answer came, and
// a way to record the tokens an answer used.
import type { TierConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
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
  /** The tokens an answer used: counted against the quota, in metrics and in the access log. */
  recordUsage(usage: TokenUsage): void
}

export async function admitRequest(deps: ProxyDeps, req: ProxyRequest, tier: TierConfig): Promise<Admission> {
  const ticket = deps.quota ? await deps.quota.admit(req.identity.user, { dailyRequests: tier.daily_requests, dailyTokens: tier.daily_tokens }) : null
  return admission(deps, req.identity.user, req.format, req.record, tier.name, ticket)
}

/**
 * Not part of the async function above on purpose: a stream keeps recordUsage for its whole life,
 * and a closure made in an async function keeps every variable that lives across its await, the
 * request and its parsed body included. These closures keep only their arguments.
 */
function admission(deps: ProxyDeps, user: string, format: WireFormat, record: RequestRecord | undefined, tierName: string, ticket: QuotaTicket | null): Admission {
  const { metrics, log } = deps
  const rateHeaders = ticket ? rateLimitHeaders(ticket, format) : {}
  if (ticket) {
    metrics.quotaUsed.set({ user }, ticket.used)
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
    },
  }
}
