// The body limit of every route that is not an LLM route, before any of them runs: Elysia reads and
// parses a body before a route's own checks, the caller's credential included, so a body is bounded
// here, by what the route can need, without reading a byte of it.
//   - the OTLP routes take telemetry batches: up to max_body_bytes;
//   - the admin key API reads its body itself, after authenticating the caller and within its own
//     small limit (an anonymous request is a 401 whatever its body): it is let through; so are the
//     sign-in form endpoints (OAuth's token and device authorization, the verification form), which
//     read theirs within 8 KB and must refuse a larger one in OAuth's error shape;
//   - every other route (admin, console, own keys) takes a small JSON body: up to SMALL_BODY_BYTES.
// A declared length over the limit is answered 413 in the route's error shape; a body of unknown
// length (chunked) 411, since it cannot be bounded before it is read. Bun's own limit would answer
// those with an empty 413 that no client can show. The LLM routes read theirs with their own limit.
import { GatewayError } from '../../errors/gateway-error'
import type { Logger } from '../../logging/logger'
import { errorFormatForPath, errorResponse } from './error-handler'

/** What a console, admin or sign-in request body can need: a few fields. */
export const SMALL_BODY_BYTES = 64 * 1024

const OTLP = /^\/(?:v1\/)?v1\/(?:metrics|logs|traces)\/?$/
const READS_ITS_OWN = /^\/(?:admin\/keys|oauth\/token|oauth\/device_authorization|device)\/?$/

/** The limit of a route's body; null when the route reads and bounds its body itself. */
export function bodyLimitOf(pathname: string, maxBodyBytes: number): number | null {
  if (READS_ITS_OWN.test(pathname)) return null
  return OTLP.test(pathname) ? maxBodyBytes : Math.min(SMALL_BODY_BYTES, maxBodyBytes)
}

export function refuseOversizedBody(request: Request, pathname: string, maxBodyBytes: number, log: Logger): Response | null {
  const length = request.headers.get('content-length')
  const chunked = length === null && request.headers.get('transfer-encoding') !== null
  // Only a request that carries a body: GETs and body-less POSTs pass without a lookup.
  if ((length === null || length === '0') && !chunked) return null
  const limit = bodyLimitOf(pathname, maxBodyBytes)
  if (limit === null) return null
  if (length !== null) {
    if (Number(length) <= limit) return null
    const error = new GatewayError(413, 'request_too_large', `The request body is larger than this route's limit of ${limit} bytes.`, { headers: { connection: 'close' } })
    return errorResponse(null, error, errorFormatForPath(pathname), log, pathname)
  }
  return errorResponse(null, new GatewayError(411, 'invalid_request_error', 'A request body needs a Content-Length header here.', { headers: { connection: 'close' } }), errorFormatForPath(pathname), log, pathname)
}
