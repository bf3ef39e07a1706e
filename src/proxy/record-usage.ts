// The last step: a generation request that has been answered goes to the usage ledger, once, when
// its answer has ended: a JSON answer when it is built, a stream when it ends (a stream that breaks
// or whose client goes away counts as an error). Refusals count too (429, 403, a backend that
// failed), as errors, with what the client was told. The ledger only adds to a row in memory.
import type { UsageLedger } from '../usage/usage-ledger'
import type { ProxyRequest } from './proxy-request'
import type { RequestRecord } from './request-record'

export async function recordUsage(ledger: Pick<UsageLedger, 'record'>, req: ProxyRequest, answer: (req: ProxyRequest) => Promise<Response>): Promise<Response> {
  const startedAt = Date.now()
  const started = performance.now()
  // The record is where the pipeline leaves the routed model, the backend and the tokens.
  const record: RequestRecord = (req.record ??= { requestId: req.requestId, startedAt: started })
  let response: Response
  try {
    response = await answer(req)
  } catch (error) {
    finish(ledger, req, record, startedAt, started, true)
    throw error
  }
  const streamEnd = record.streamEnd
  if (streamEnd && response.ok) void streamEnd.then((outcome) => finish(ledger, req, record, startedAt, started, outcome !== 'complete'))
  else finish(ledger, req, record, startedAt, started, !response.ok)
  return response
}

function finish(ledger: Pick<UsageLedger, 'record'>, req: ProxyRequest, record: RequestRecord, startedAt: number, started: number, failed: boolean): void {
  ledger.record({
    user: req.identity.user,
    tier: req.identity.tier,
    requested: typeof req.body.model === 'string' ? req.body.model : '',
    model: record.routedModel ?? '',
    backend: record.backend ?? '',
    startedAt,
    failed,
    usage: record.usage,
    latencyMs: performance.now() - started,
  })
}
