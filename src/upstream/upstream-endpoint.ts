// Which upstream API a request goes to, and the URL for it on one endpoint of a backend.
import type { BackendConfig } from '../config/config-types'
import type { LlmEndpoint } from '../protocol/vocabulary'

export function upstreamUrl(backend: BackendConfig, baseUrl: string, endpoint: LlmEndpoint, search = ''): string {
  if (backend.format === 'anthropic') {
    // Accept base URLs written with or without the version segment.
    const base = baseUrl.endsWith('/v1') ? baseUrl.slice(0, -3) : baseUrl
    return `${base}/v1/messages${endpoint === 'count_tokens' ? '/count_tokens' : ''}${search}`
  }
  return endpoint === 'responses' ? `${baseUrl}/responses` : `${baseUrl}/chat/completions`
}
