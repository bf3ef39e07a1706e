// The headers sent upstream: the backend's own credentials, never the client's; `anthropic-*`
// headers pass through to Anthropic backends so that new betas keep working. The part that is
// the same for every request to a backend is built once.
import type { BackendConfig } from '../config/config-types'

const DEFAULT_ANTHROPIC_VERSION = '2023-06-01'
const fixed = new WeakMap<BackendConfig, Record<string, string>>()

function fixedHeaders(backend: BackendConfig): Record<string, string> {
  let h = fixed.get(backend)
  if (!h) {
    h = { 'content-type': 'application/json', 'user-agent': 'llm-gateway' }
    if (backend.format === 'anthropic') {
      h['anthropic-version'] = DEFAULT_ANTHROPIC_VERSION
      if (backend.api_key) h['x-api-key'] = backend.api_key
    } else if (backend.api_key) {
      h.authorization = `Bearer ${backend.api_key}`
    }
    fixed.set(backend, h)
  }
  return h
}

export function upstreamHeaders(backend: BackendConfig, clientHeaders: Headers | null, requestId: string, stream: boolean): Record<string, string> {
  const h: Record<string, string> = { ...fixedHeaders(backend), accept: stream ? 'text/event-stream' : 'application/json', 'x-request-id': requestId }
  if (backend.format === 'anthropic' && clientHeaders) {
    for (const [name, value] of clientHeaders) if (name.startsWith('anthropic-')) h[name] = value
  }
  // Operator-configured headers win over everything else.
  for (const name in backend.headers) h[name] = backend.headers[name]!
  return h
}
