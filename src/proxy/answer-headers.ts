// The headers every answer of the pipeline carries: the request id in both APIs' names and the
// routed model (the public name that answered, which may differ from the one asked for).
import type { ProxyRequest } from './proxy-request'

export const ROUTED_MODEL_HEADER = 'x-gateway-routed-model'

/** Built as one plain object, never copied: answers add their own headers to it. */
export function answerHeaders(req: ProxyRequest, contentType: string, routedModel: string): Record<string, string> {
  return { 'content-type': contentType, [ROUTED_MODEL_HEADER]: routedModel, 'request-id': req.requestId, 'x-request-id': req.requestId }
}
