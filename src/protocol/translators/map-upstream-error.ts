// Maps an upstream's non-2xx answer to what the client sees (the README's Errors): overload stays
// overload (529 for Anthropic callers), client mistakes keep their status, the gateway's own
// credential problems and upstream crashes become 502, gateway timeouts 504. Only a client's own
// mistake (4xx) carries the backend's words: an overload or a crash is described by the gateway
// alone, since the backend's text there speaks of its internals (traces, hosts, accounts).

import { GatewayError } from '../../errors/gateway-error'
import type { WireFormat } from '../vocabulary'

/** The upstream's error message, whichever API shape it used, bounded and single-line. */
export function upstreamErrorMessage(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    const m = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message)
    if (typeof m === 'string' && m) return m.slice(0, 2000)
  } catch {}
  return null
}

export interface MappedUpstreamError {
  /** Forward the upstream's own body unchanged (same API, client-caused error). */
  passthrough: boolean
  error: GatewayError
}

export function mapUpstreamError(status: number, text: string, backendName: string, clientFormat: WireFormat, sameFormat: boolean): MappedUpstreamError {
  if (status === 429 || status === 503 || status === 529) {
    return { passthrough: false, error: new GatewayError(clientFormat === 'anthropic' ? 529 : status, 'overloaded_error', `Backend "${backendName}" is overloaded.`) }
  }
  if (status === 401 || status === 403) {
    // The backend refused the gateway's own key: the operator's problem, not the caller's.
    return { passthrough: false, error: new GatewayError(502, 'api_error', `Backend "${backendName}" refused the gateway's credentials (${status}).`) }
  }
  if (status >= 400 && status < 500) {
    const detail = upstreamErrorMessage(text)
    const type = status === 404 ? 'not_found_error' : status === 413 ? 'request_too_large' : 'invalid_request_error'
    return { passthrough: sameFormat, error: new GatewayError(status, type, detail ?? `Backend "${backendName}" rejected the request (${status}).`) }
  }
  if (status === 504) return { passthrough: false, error: new GatewayError(504, 'api_error', `Backend "${backendName}" timed out.`) }
  return { passthrough: false, error: new GatewayError(502, 'api_error', `Backend "${backendName}" failed (${status}).`) }
}
