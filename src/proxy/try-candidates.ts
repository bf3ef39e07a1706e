// Step three: the routed model, then its fallbacks that the tier allows, until one answers. Quota
// was counted once, before; it is given back when no candidate produced an answer.
import { GatewayError } from '../errors/gateway-error'
import type { WireFormat } from '../protocol/vocabulary'
import type { RouteTarget } from '../routing/resolve-model'
import type { Admission } from './admit-request'
import { type Attempt, type PreparedAttempt, attemptBackend } from './attempt-backend'
import type { ProxyDeps, ProxyRequest } from './proxy-request'

/** `prepared`: the request already translated for the primary's backend. */
export async function tryCandidates(deps: ProxyDeps, req: ProxyRequest, primary: RouteTarget, admission: Admission, prepared: PreparedAttempt): Promise<Response> {
  const candidates = [primary, ...primary.fallbacks]
  for (let i = 0; i < candidates.length; i++) {
    const target = candidates[i]!
    if (i > 0) {
      deps.metrics.routes.inc({ from: candidates[i - 1]!.entry.pattern, to: target.entry.pattern })
      deps.log.info('falling back', { request_id: req.requestId, from: candidates[i - 1]!.model, to: target.model })
    }
    let result: Attempt
    try {
      result = await attemptBackend(deps, req, target, admission, i === 0 ? prepared : undefined)
    } catch (error) {
      admission.giveBack()
      throw forClient(error, req.format)
    }
    if (result.kind === 'response') return result.response
    if (i === candidates.length - 1) {
      admission.giveBack()
      throw forClient(result.error, req.format)
    }
  }
  throw new Error('unreachable: no routing candidate')
}

/** Overload and unreachability reach Anthropic callers as 529, as Anthropic's own API says it. */
export function forClient(error: unknown, format: WireFormat): unknown {
  if (format === 'anthropic' && error instanceof GatewayError && error.type === 'overloaded_error' && error.status !== 529) {
    return new GatewayError(529, 'overloaded_error', error.message, { headers: error.headers })
  }
  return error
}
