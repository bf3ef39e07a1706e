// The request path every LLM call takes after the HTTP edge has authenticated it and read its
// body, as named steps:
//   resolve   the requested model on the caller's tier -> routed model, backend, fallbacks (routing/)
//   translate the request for the routed model's backend: what that format cannot express is a
//             400 before anything is counted (./attempt-backend.ts, prepareAttempt)
//   admit     count it against the daily quota and the per-user limits, or refuse with 429
//             (./admit-request.ts)
//   try       the routed model, then its fallbacks, until one answers (./try-candidates.ts), each
//             attempt translating for its backend and calling it (./attempt-backend.ts)
//   relay     the answer back in the client's format, whole or streamed (./relay-answer.ts)
//   count     once the answer has ended (a stream: when it ends), the request goes to the usage
//             ledger (./record-usage.ts)
// `count_tokens` is resolved and held to the per-user limits (never to the daily quota), then
// answered (./count-tokens.ts). Admission comes before any expensive work, and the request's place
// among the user's requests in flight is freed when it ends, whichever way it ends.
import { admitRequest } from './admit-request'
import { prepareAttempt } from './attempt-backend'
import { countTokens } from './count-tokens'
import type { Proxy, ProxyDeps, ProxyRequest } from './proxy-request'
import { recordUsage } from './record-usage'
import { tryCandidates } from './try-candidates'

/** Distinct requested model names kept as metric labels; clients choose them, so they are capped. */
const MAX_REQUESTED_LABELS = 500

export function createProxy(deps: ProxyDeps): Proxy {
  const requestedLabels = new Set<string>()
  function requestedLabel(name: string): string {
    if (requestedLabels.has(name)) return name
    if (requestedLabels.size >= MAX_REQUESTED_LABELS) return 'other'
    requestedLabels.add(name)
    return name
  }

  async function answer(req: ProxyRequest): Promise<Response> {
    const primary = deps.resolveModel(req.body.model as string, req.identity.tier)
    // `to` is the models entry that matched (its pattern when a glob did), never the client's own
    // text: a glob would otherwise make a series per name a client cares to send.
    deps.metrics.routes.inc({ from: requestedLabel(primary.requested), to: primary.entry.pattern })
    if (req.record) req.record.routedModel = primary.model
    const tier = deps.tiers[req.identity.tier]!
    const counted = req.endpoint !== 'count_tokens'
    const prepared = counted ? prepareAttempt(deps, req, primary) : null
    const admission = await admitRequest(deps, req, tier, counted)
    let response: Response
    try {
      response = prepared ? await tryCandidates(deps, req, primary, admission, prepared) : await countTokens(deps, req, primary)
    } catch (error) {
      admission.finish()
      throw error
    }
    if (!admission.streaming) admission.finish()
    return response
  }

  const ledger = deps.ledger
  if (!ledger) return answer
  return function proxyLlmRequest(req) {
    return req.endpoint === 'count_tokens' ? answer(req) : recordUsage(ledger, req, answer)
  }
}
