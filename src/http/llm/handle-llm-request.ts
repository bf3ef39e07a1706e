// The LLM routes' handler: authenticate, read the JSON body within the size and time limits, check the few
// fields the gateway owns (./llm-routes.ts; everything else passes through untouched), hand the
// request to the proxy, and answer failures in the route's own error shape. These routes are the
// gateway's hot path, so they are served ahead of Elysia (see ../create-http-app.ts) with the same
// request id, error rendering, metrics and access log as the Elysia routes get from middleware.
import { type Identity, usageSubject } from '../../auth/identity'
import { GatewayError } from '../../errors/gateway-error'
import type { Logger } from '../../logging/logger'
import type { GatewayMetrics } from '../../metrics/gateway-metrics'
import type { Authenticate } from '../../auth/create-authenticator'
import { errorResponse } from '../middleware/error-handler'
import { observeRequest } from '../middleware/observe'
import { readJsonBody } from '../middleware/read-json-body'
import { type AddressSource, addressOf } from '../middleware/client-address'
import { newRequestRecord } from '../middleware/request-id'
import type { Proxy } from '../../proxy/proxy-request'
import type { LlmRoute } from './llm-routes'

export interface LlmHandlerDeps {
  authenticate: Authenticate
  maxBodyBytes: number
  /** How long a body may take to arrive (server.body_timeout_s), in ms. */
  bodyTimeoutMs: number
  /**
   * How many requests of one user may be in flight at once (the tier's concurrent_requests), or
   * null for no bound: also how many of their bodies are read at once, since a body is read
   * before the per-user limits can be asked (they need its model).
   */
  concurrentRequestsOf?: (identity: Identity) => number | null
  proxy: Proxy
  metrics: GatewayMetrics
  log: Logger
}

export type LlmHandler = (request: Request, route: LlmRoute, search: string, server?: AddressSource) => Promise<Response>

/** Bodies being read, by user: each may be max_body_bytes, and a user may not fill the memory with them. */
function bodyReadSlots(concurrentRequestsOf: ((identity: Identity) => number | null) | undefined, metrics: GatewayMetrics) {
  const reading = new Map<string, number>()
  return {
    /** Takes a place for reading one of the user's bodies; a 429 when they already have their tier's number being read. */
    take(identity: Identity): (() => void) | null {
      const allowed = concurrentRequestsOf?.(identity) ?? null
      if (allowed === null) return null
      const subject = usageSubject(identity)
      const n = reading.get(subject) ?? 0
      if (n >= allowed) {
        metrics.limitRejections.inc({ tier: identity.tier, limit: 'concurrent_requests' })
        throw new GatewayError(429, 'rate_limit_error', `Too many requests in flight: the ${identity.tier} tier allows ${allowed} at a time. Retry in 1 s.`, { headers: { 'retry-after': '1' }, code: 'concurrent_requests_exceeded' })
      }
      reading.set(subject, n + 1)
      return () => {
        const left = (reading.get(subject) ?? 1) - 1
        if (left <= 0) reading.delete(subject)
        else reading.set(subject, left)
      }
    },
  }
}

export function createLlmHandler(deps: LlmHandlerDeps): LlmHandler {
  const { authenticate, maxBodyBytes, proxy, metrics, log, bodyTimeoutMs } = deps
  const bodyReads = bodyReadSlots(deps.concurrentRequestsOf, metrics)
  return async function handleLlmRequest(request, route, search, server) {
    const record = newRequestRecord(request.headers)
    const requestId = record.requestId
    let identity: Identity | undefined
    let body: Record<string, unknown> | undefined
    let response: Response
    try {
      // Authentication first, so that a caller without a valid credential never gets a large body read.
      identity = await authenticate(request.headers, addressOf(request, server))
      const release = bodyReads.take(identity)
      try {
        body = await readJsonBody(request, maxBodyBytes, bodyTimeoutMs)
      } finally {
        release?.()
      }
      const problem = route.check(body)
      if (problem !== null) throw new GatewayError(400, 'invalid_request_error', problem)
      // The proxy puts the request id on every answer it builds.
      response = await proxy({
        format: route.format,
        endpoint: route.endpoint,
        body,
        identity,
        requestId,
        headers: request.headers,
        // The query string (Claude Code sends `?beta=true`) matters to Anthropic backends only.
        search: route.format === 'anthropic' ? search : '',
        signal: request.signal,
        record,
      })
    } catch (error) {
      response = errorResponse(null, error, route.format, log, route.path, { 'request-id': requestId, 'x-request-id': requestId })
    }
    // A refused body may carry anything in `model`: the log gets it only as a short string.
    const model = body?.model
    observeRequest(metrics, log, { endpoint: route.endpoint, identity, record, status: response.status, requestedModel: typeof model === 'string' ? model.slice(0, 128) : undefined })
    return response
  }
}
