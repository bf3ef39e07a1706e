// What the gateway learns about a request on its way through: the HTTP edge opens the record, the
// proxy fills in where the request went and what it cost, and the access log reads it at the end.
import type { TokenUsage } from '../protocol/usage'
import type { StreamOutcome } from '../upstream/relay-stream'

export interface RequestRecord {
  requestId: string
  /** The `x-request-id` the client sent, if sane: logged beside the gateway's own, never used as it. */
  clientRequestId?: string
  startedAt: number
  backend?: string
  routedModel?: string
  usage?: TokenUsage
  /** Set for streamed responses: resolves with how the stream ended. */
  streamEnd?: Promise<StreamOutcome>
}
