// The LLM routes' handler: authenticate, read the JSON body within the size and time limits, check the few
// fields the gateway owns (./llm-routes.ts; everything else passes through untouched), hand the
// request to the proxy, and answer failures in the route's own error shape. These routes are the
// gateway's hot path, so they are served ahead of Elysia (see ../create-http-app.ts) with the same
// request id, error rendering, metrics and access log as the Elysia routes get from middleware.
import type { Identity } from '../../auth/identity'
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
  proxy: Proxy
  metrics: GatewayMetrics
  log: Logger
}

export type LlmHandler = (request: Request, route: LlmRoute, search: string, server?: AddressSource) => Promise<Response>

export function createLlmHandler(deps: LlmHandlerDeps): LlmHandler {
  const { authenticate, maxBodyBytes, proxy, metrics, log, bodyTimeoutMs } = deps
  return async function handleLlmRequest(request, route, search, server) {
    const record = newRequestRecord(request.headers)
    const requestId = record.requestId
    let identity: Identity | undefined
    let body: Record<string, unknown> | undefined
    let response: Response
    try {
      // Authentication first, so that a caller without a valid credential never gets a large body read.
      identity = await authenticate(request.headers, addressOf(request, server))
      body = await readJsonBody(request, maxBodyBytes, bodyTimeoutMs)
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
