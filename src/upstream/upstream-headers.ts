// The headers sent upstream: the backend's own credentials, never the client's; `anthropic-*`
// headers pass through to Anthropic backends so that new betas keep working.
import type { BackendConfig } from '../config/config-types'

const DEFAULT_ANTHROPIC_VERSION = '2023-06-01'

export function upstreamHeaders(backend: BackendConfig, clientHeaders: Headers | null, requestId: string, stream: boolean): Headers {
  const h = new Headers()
  h.set('content-type', 'application/json')
  h.set('accept', stream ? 'text/event-stream' : 'application/json')
  h.set('user-agent', 'llm-gateway')
  h.set('x-request-id', requestId)
  if (backend.format === 'anthropic') {
    if (clientHeaders) {
      for (const [name, value] of clientHeaders) if (name.startsWith('anthropic-')) h.set(name, value)
    }
    if (!h.has('anthropic-version')) h.set('anthropic-version', DEFAULT_ANTHROPIC_VERSION)
    if (backend.api_key) h.set('x-api-key', backend.api_key)
  } else if (backend.api_key) {
    h.set('authorization', `Bearer ${backend.api_key}`)
  }
  for (const [name, value] of Object.entries(backend.headers)) h.set(name, value)
  return h
}
