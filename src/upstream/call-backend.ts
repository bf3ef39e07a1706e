// Calls a backend through its endpoint pool: picks the least busy healthy endpoint and, when the
// request fails before the first response byte (connect error, 502/503), tries another endpoint of
// the same backend. A response that has started is never retried. The caller releases the lease
// when the request is over, so that outstanding counts include open streams.
import { GatewayError } from '../errors/gateway-error'
import { type UpstreamCall, callUpstream } from './call-upstream'
import type { EndpointPool } from './endpoint-pool'

export interface BackendResponse {
  response: Response
  /** Which endpoint answered. */
  endpoint: string
  release(): void
}

const RETRYABLE_STATUS = new Set([502, 503])

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
      const clientGone = error instanceof GatewayError && error.status === 499
      if (!clientGone) lease.failed()
      lease.release()
      lastError = error
      const connectError = error instanceof GatewayError && error.status === 502
      if (connectError && pool.hasAvailable(tried)) continue
      throw error
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      lease.failed()
      if (pool.hasAvailable(tried)) {
        await response.body?.cancel().catch(() => {})
        lease.release()
        continue
      }
    } else if (response.status >= 500) {
      lease.failed()
    } else {
      lease.succeeded()
    }
    return { response, endpoint: lease.url, release: lease.release }
  }
}
