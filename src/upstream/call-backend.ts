// Calls a backend through its endpoint pool: picks the least busy healthy endpoint and, when the
// request fails before the first response byte (connect error, connect or first-byte timeout,
// 502/503/504), tries another endpoint of the same backend. A response that has started is never
// retried. The caller releases the lease when the request is over, so that outstanding counts
// include open streams. What failed tells the circuit breaker whose failure it was (see
// endpoint-pool.ts): no connection and 502/503 are the endpoint's; a timeout, a 500 or a 504 may be
// the request's own doing and count once per caller.
import { GatewayError } from '../errors/gateway-error'
import { type UpstreamCall, callUpstream } from './call-upstream'
import type { EndpointPool } from './endpoint-pool'

export interface BackendResponse {
  response: Response
  /** Which endpoint answered. */
  endpoint: string
  release(): void
}

/** Statuses another endpoint may answer better, before any byte went to the client. */
const RETRYABLE_STATUS = new Set([502, 503, 504])
/** Statuses that say the endpoint itself is unavailable, whoever asked. */
const ENDPOINT_DOWN_STATUS = new Set([502, 503])

export async function callBackend(call: UpstreamCall, pool: EndpointPool | undefined): Promise<BackendResponse> {
  if (!pool || call.backend.format === 'demo') {
    const response = await callUpstream(call)
    return { response, endpoint: call.backend.base_url, release: () => {} }
  }
  const tried = new Set<string>()
  let lastError: unknown = null
  for (;;) {
    const lease = pool.acquire(tried)
    if (!lease) {
      if (lastError) throw lastError
      throw new GatewayError(503, 'overloaded_error', `Backend "${call.backend.name}" has no healthy endpoint right now.`)
    }
    tried.add(lease.url)
    let response: Response
    try {
      response = await callUpstream(call, lease.url)
    } catch (error) {
      const status = error instanceof GatewayError ? error.status : 0
      const clientGone = status === 499
      // 502 here is a connection never made; 504 a first byte that never came.
      if (!clientGone) status === 504 ? lease.failed(call.caller) : lease.failed()
      lease.release()
      lastError = error
      if ((status === 502 || status === 504) && pool.hasAvailable(tried)) continue
      throw error
    }
    if (response.status >= 500) {
      if (ENDPOINT_DOWN_STATUS.has(response.status)) lease.failed()
      else lease.failed(call.caller)
      if (RETRYABLE_STATUS.has(response.status) && pool.hasAvailable(tried)) {
        await response.body?.cancel().catch(() => {})
        lease.release()
        continue
      }
    } else {
      lease.succeeded()
    }
    return { response, endpoint: lease.url, release: lease.release }
  }
}
