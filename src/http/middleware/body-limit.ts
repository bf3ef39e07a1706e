// The body limit of every route that is not an LLM route, before any of them runs: Elysia reads and
// parses a body before a route's own checks, the caller's credential included, so a body is bounded
// here, by what the route can need, without reading a byte of it.
//   - the OTLP routes take telemetry batches: up to max_body_bytes;
//   - the admin key API and the sign-in endpoints read their bodies themselves, within small limits
//     of their own and answering in their own terms (the admin key API after authenticating the
//     caller: an anonymous request is a 401 whatever its body; the OAuth endpoints with RFC 6749
//     errors): they are let through;
//   - every other route (admin, console, own keys) takes a small JSON body: up to SMALL_BODY_BYTES.
// A declared length over the limit is answered 413 in the route's error shape; a body of unknown
// length (chunked) 411, since it cannot be bounded before it is read. Bun's own limit would answer
// those with an empty 413 that no client can show. The LLM routes read theirs with their own limit.
import { GatewayError } from '../../errors/gateway-error'
import type { Logger } from '../../logging/logger'
import { errorFormatForPath, errorResponse } from './error-handler'
import { newRequestId } from './request-id'

/** What a console, admin or sign-in request body can need: a few fields. */
export const SMALL_BODY_BYTES = 64 * 1024

const OTLP = /^\/(?:v1\/)?v1\/(?:metrics|logs|traces)\/?$/
const READS_ITS_OWN = /^\/(?:admin\/keys|oauth\/(?:token|device_authorization)|device)\/?$/

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
  if (length !== null && Number(length) <= limit) return null
  const error =
    length !== null
      ? new GatewayError(413, 'request_too_large', `The request body is larger than this route's limit of ${limit} bytes.`, { headers: { connection: 'close' } })
      : new GatewayError(411, 'invalid_request_error', 'A request body needs a Content-Length header here.', { headers: { connection: 'close' } })
  // Answered before the request-id middleware runs: the id is given here.
  const id = newRequestId()
  return errorResponse(null, error, errorFormatForPath(pathname), log, pathname, { 'request-id': id, 'x-request-id': id })
}
