// The request path every LLM call takes after the HTTP edge has authenticated it and read its
// body, as named steps:
//   resolve   the requested model on the caller's tier -> routed model, backend, fallbacks (routing/)
//   admit     count it against the daily quota, or refuse with 429 (./admit-request.ts)
//   try       the routed model, then its fallbacks, until one answers (./try-candidates.ts), each
//             attempt translating for its backend and calling it (./attempt-backend.ts)
//   relay     the answer back in the client's format, whole or streamed (./relay-answer.ts)
//   count     once the answer has ended (a stream: when it ends), the request goes to the usage
//             ledger (./record-usage.ts)
// `count_tokens` is resolved, then answered without admission (./count-tokens.ts).
import { admitRequest } from './admit-request'
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
    deps.metrics.routes.inc({ from: requestedLabel(primary.requested), to: primary.model })
    if (req.record) req.record.routedModel = primary.model
    if (req.endpoint === 'count_tokens') return countTokens(deps, req, primary)
    const admission = await admitRequest(deps, req, deps.tiers[req.identity.tier]!)
    return tryCandidates(deps, req, primary, admission)
  }

  const ledger = deps.ledger
  if (!ledger) return answer
  return function proxyLlmRequest(req) {
    return req.endpoint === 'count_tokens' ? answer(req) : recordUsage(ledger, req, answer)
  }
}
