// The last step: a generation request that has been answered goes to the usage ledger, once, when
// its answer has ended: a JSON answer when it is built, a stream when it ends (a stream that breaks
// or whose client goes away counts as an error). Refusals count too (429, 403, a backend that
// failed), as errors, with what the client was told. The ledger only adds to a row in memory.
import type { UsageLedger } from '../usage/usage-ledger'
import type { ProxyRequest } from './proxy-request'
import type { RequestRecord } from './request-record'

/** Not an async function: on the hot path, a `then` costs less than an await and its frame. */
export function recordUsage(ledger: Pick<UsageLedger, 'record'>, req: ProxyRequest, answer: (req: ProxyRequest) => Promise<Response>): Promise<Response> {
  // The record is where the pipeline leaves the routed model, the backend and the tokens; the HTTP
  // edge opens it when the request arrives.
  const record: RequestRecord = (req.record ??= { requestId: req.requestId, startedAt: performance.now() })
  return answer(req).then(
    (response) => {
      const streamEnd = record.streamEnd
      if (streamEnd && response.ok) void streamEnd.then((outcome) => finish(ledger, req, record, outcome !== 'complete'))
      else finish(ledger, req, record, !response.ok)
      return response
    },
    (error: unknown) => {
      finish(ledger, req, record, true)
      throw error
    },
  )
}

function finish(ledger: Pick<UsageLedger, 'record'>, req: ProxyRequest, record: RequestRecord, failed: boolean): void {
  const now = performance.now()
  ledger.record({
    user: req.identity.user,
    tier: req.identity.tier,
    requested: typeof req.body.model === 'string' ? req.body.model : '',
    model: record.routedModel ?? '',
    backend: record.backend ?? '',
    // The day the request started on, from the monotonic clock the record was opened with.
    startedAt: performance.timeOrigin + record.startedAt,
    failed,
    usage: record.usage,
    latencyMs: now - record.startedAt,
  })
}
