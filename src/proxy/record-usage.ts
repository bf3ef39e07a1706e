// The last step: a generation request that has been answered goes to the usage ledger, once, when
// its answer has ended: a JSON answer when it is built, a stream when it ends (a stream that breaks
// or whose client goes away counts as an error). Refusals count too (429, 403, a backend that
// failed), as errors, with what the client was told. The ledger only adds to a row in memory.
import { usageSubject } from '../auth/identity'
import type { UsageLedger } from '../usage/usage-ledger'
import type { ProxyRequest } from './proxy-request'
import type { RequestRecord } from './request-record'

type Ledger = Pick<UsageLedger, 'record'>

/** Who asked for what: all a finished request needs of its request, which is not kept. */
interface Asker {
  user: string
  tier: string
  requested: string
}

export function recordUsage(ledger: Ledger, req: ProxyRequest, answer: (req: ProxyRequest) => Promise<Response>): Promise<Response> {
  // The record is where the pipeline leaves the routed model, the backend and the tokens; the HTTP
  // edge opens it when the request arrives.
  const record: RequestRecord = (req.record ??= { requestId: req.requestId, startedAt: performance.now() })
  // The user as quota and limits count them: a Keycloak user's id in their namespace.
  const asker: Asker = { user: usageSubject(req.identity), tier: req.identity.tier, requested: typeof req.body.model === 'string' ? req.body.model : '' }
  return whenAnswered(ledger, asker, record, answer(req))
}

/**
 * Apart from recordUsage on purpose: a stream keeps these callbacks for its whole life, and they
 * must not keep the request (its parsed body is a few hundred KB for Claude Code). Not an async
 * function either: on the hot path, a `then` costs less than an await and its frame.
 */
function whenAnswered(ledger: Ledger, asker: Asker, record: RequestRecord, answered: Promise<Response>): Promise<Response> {
  return answered.then(
    (response) => {
      const streamEnd = record.streamEnd
      if (streamEnd && response.ok) void streamEnd.then((outcome) => finish(ledger, asker, record, outcome !== 'complete'))
      else finish(ledger, asker, record, !response.ok)
      return response
    },
    (error: unknown) => {
      finish(ledger, asker, record, true)
      throw error
    },
  )
}

function finish(ledger: Ledger, asker: Asker, record: RequestRecord, failed: boolean): void {
  ledger.record({
    user: asker.user,
    tier: asker.tier,
    requested: asker.requested,
    model: record.routedModel ?? '',
    backend: record.backend ?? '',
    // The day the request started on, from the monotonic clock the record was opened with.
    startedAt: performance.timeOrigin + record.startedAt,
    failed,
    usage: record.usage,
    latencyMs: performance.now() - record.startedAt,
  })
}
