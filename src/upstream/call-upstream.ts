// The only place that calls fetch(). Applies the backend's timeouts, ties the upstream request to
// the client's (a disconnect cancels it), and turns network failures into GatewayErrors.
// Bun's fetch pools and reuses upstream connections on its own (keep-alive).

import type { BackendConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
import { demoResponse } from './demo-backend'
import { upstreamHeaders } from './upstream-headers'
import { type UpstreamEndpoint, upstreamUrl } from './upstream-endpoint'

export interface UpstreamCall {
  backend: BackendConfig
  /** The endpoint of the backend to use; defaults to its first. */
  baseUrl?: string
  endpoint: UpstreamEndpoint
  body: string
  stream: boolean
  clientHeaders: Headers | null
  /** The client's query string (`?beta=true`), forwarded to Anthropic backends. */
  search: string
  requestId: string
  /** Aborts when the client goes away. */
  signal: AbortSignal | null
}

export async function callUpstream(call: UpstreamCall): Promise<Response> {
  const { backend } = call
  if (backend.format === 'demo') return demoResponse(call.endpoint, call.body, call.stream)

  // One controller for both reasons to stop: the client went away, or the first byte is late.
  // (A listener on the client's signal costs less than AbortSignal.any on every request.)
  const controller = new AbortController()
  const clientSignal = call.signal
  const onClientAbort = () => controller.abort(clientSignal?.reason)
  if (clientSignal) {
    if (clientSignal.aborted) controller.abort(clientSignal.reason)
    else clientSignal.addEventListener('abort', onClientAbort, { once: true })
  }
  const signal = controller.signal
  let timedOut = false
  // Headers must arrive within first_byte_ms; after that, Bun's socket idle timeout (reset by every
  // byte) bounds both a connect that never completes and a stream that goes silent.
  const firstByte = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, backend.timeouts.first_byte_ms)
  const url = upstreamUrl(backend, call.baseUrl ?? backend.base_url, call.endpoint, backend.format === 'anthropic' ? call.search : '')
  try {
    return await fetch(url, {
      method: 'POST',
      headers: upstreamHeaders(backend, call.clientHeaders, call.requestId, call.stream),
      body: call.body,
      signal,
      timeout: Math.max(backend.timeouts.idle_ms, 1),
      decompress: true,
    } as RequestInit)
  } catch (error) {
    if (call.signal?.aborted) throw new GatewayError(499 as number, 'api_error', 'The client closed the request.')
    if (timedOut) {
      throw new GatewayError(504, 'api_error', `Backend "${backend.name}" did not answer within ${backend.timeouts.first_byte_ms / 1000} s.`)
    }
    const code = (error as { code?: string }).code ?? ''
    if (/timeout|timedout/i.test(code) || /timed? ?out/i.test(String((error as Error).message))) {
      throw new GatewayError(504, 'api_error', `Backend "${backend.name}" timed out.`)
    }
    throw new GatewayError(502, 'api_error', `Backend "${backend.name}" is unreachable${code ? ` (${code})` : ''}.`)
  } finally {
    clearTimeout(firstByte)
  }
}
