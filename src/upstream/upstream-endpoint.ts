// Which upstream API a request goes to, and the URL for it on a given backend.
import type { BackendConfig } from '../config/config-types'

export type UpstreamEndpoint = 'messages' | 'count_tokens' | 'chat_completions'

export function upstreamUrl(backend: BackendConfig, endpoint: UpstreamEndpoint, search = ''): string {
  if (backend.format === 'anthropic') {
    // Accept base URLs written with or without the version segment.
    const base = backend.base_url.endsWith('/v1') ? backend.base_url.slice(0, -3) : backend.base_url
    return `${base}/v1/messages${endpoint === 'count_tokens' ? '/count_tokens' : ''}${search}`
  }
  return `${backend.base_url}/chat/completions`
}
