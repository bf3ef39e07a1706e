// The body limit for every route, before any of them runs: a declared length over max_body_bytes
// is answered 413 in the route's error shape without reading a byte, and a body of unknown length
// (chunked) is refused on the routes that do not read bodies with their own limit. The LLM routes
// and the admin API read theirs with a limit, after authenticating the caller (an anonymous admin
// request is a 401 whatever its body), so they are let through. Bun's own limit would answer
// those with an empty 413 that no client can show.
import { GatewayError } from '../../errors/gateway-error'
import type { Logger } from '../../logging/logger'
import { errorFormatForPath, errorResponse } from './error-handler'

/** Routes that read a body of unknown length themselves, within a limit, once the caller is known. */
const OWN_BODY_LIMIT = /^\/admin\//

export function refuseOversizedBody(request: Request, pathname: string, maxBodyBytes: number, log: Logger): Response | null {
  const length = request.headers.get('content-length')
  if (length !== null) {
    if (Number(length) <= maxBodyBytes) return null
    const error = new GatewayError(413, 'request_too_large', `The request body is larger than the gateway's limit of ${maxBodyBytes} bytes.`, { headers: { connection: 'close' } })
    return errorResponse(null, error, errorFormatForPath(pathname), log, pathname)
  }
  // Only what came chunked over the wire (a Request built in-process has neither header).
  if (request.headers.get('transfer-encoding') === null || OWN_BODY_LIMIT.test(pathname)) return null
  return errorResponse(null, new GatewayError(411, 'invalid_request_error', 'A request body needs a Content-Length header here.', { headers: { connection: 'close' } }), errorFormatForPath(pathname), log, pathname)
}
