// The `backends` section: each upstream the gateway forwards to — its wire format, its endpoints
// (one base_url or several replicas), the key and headers sent with every request, and the
// timeouts and circuit breaker that decide when an endpoint is given up on.

import type { ResponsesMode } from '../../protocol/vocabulary'
import type { BackendConfig, BackendFormat } from '../config-types'
import { DEFAULT_ANTHROPIC_URL, DEFAULTS } from '../defaults'
import { int, isObject, type Problems, type Raw, section, str, stringList, validUrl } from '../field-readers'

const FORMATS: BackendFormat[] = ['openai', 'anthropic', 'demo']
const RESPONSES_MODES: ResponsesMode[] = ['translate', 'native']

export function normalizeBackends(backends: Raw, p: Problems): Record<string, BackendConfig> {
  const out: Record<string, BackendConfig> = {}
  for (const [name, b] of Object.entries(backends)) {
    const backend = normalizeBackend(name, b, p)
    if (backend) out[name] = backend
  }
  return out
}

/** The base URL of a backend that names none: Anthropic's public API, a placeholder for the demo, none for OpenAI-compatible ones. */
function defaultBaseUrl(format: BackendFormat): string {
  return format === 'anthropic' ? DEFAULT_ANTHROPIC_URL : format === 'demo' ? DEFAULTS.backend.demo_base_url : ''
}

function normalizeBackend(name: string, raw: unknown, p: Problems): BackendConfig | null {
  const path = `backends.${name}`
  if (!isObject(raw)) {
    p.add(path, 'must be a mapping with format and base_url')
    return null
  }
  const format = str(raw, 'format', `${path}.format`, p, DEFAULTS.backend.format) as BackendFormat
  if (!FORMATS.includes(format)) p.add(`${path}.format`, `must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`)
  const listed = 'endpoints' in raw ? stringList(raw.endpoints, `${path}.endpoints`, p) : []
  const base = str(raw, 'base_url', `${path}.base_url`, p, listed[0] ?? defaultBaseUrl(format))
  const endpoints = (listed.length > 0 ? listed : [base]).filter((u) => u !== '').map((u) => u.replace(/\/+$/, ''))
  if (endpoints.length === 0) p.add(`${path}.base_url`, 'is required (for the default "internal" backend set INTERNAL_LLM_URL)')
  else if (format !== 'demo') endpoints.forEach((u, i) => validUrl(u, listed.length > 0 ? `${path}.endpoints[${i}]` : `${path}.base_url`, p))
  const headers = section(raw, 'headers', p, `${path}.headers`)
  // Sent upstream as they are: a line break would end the header and start another.
  for (const [k, v] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n\0]/.test(String(v))) p.add(`${path}.headers.${k.replace(/[^\x20-\x7e]/g, '?')}`, 'must be a header name with a value on one line')
  }
  // A key read from a file or a secret often ends in a newline: surrounding whitespace is dropped,
  // as fetch() always did; a line break inside it would start another header and is refused.
  const apiKey = str(raw, 'api_key', `${path}.api_key`, p, null)?.trim() ?? null
  if (apiKey !== null && /[\r\n\0]/.test(apiKey)) p.add(`${path}.api_key`, 'must be on one line')
  const responses = str(raw, 'responses', `${path}.responses`, p, DEFAULTS.backend.responses) as ResponsesMode
  if (!RESPONSES_MODES.includes(responses)) p.add(`${path}.responses`, `must be one of ${RESPONSES_MODES.join(', ')}, got ${JSON.stringify(responses)}`)
  // Only an OpenAI-format backend can be handed a Responses request as it came.
  else if (responses === 'native' && format !== 'openai') p.add(`${path}.responses`, `native needs format openai (this backend is ${format})`)
  const t = section(raw, 'timeouts', p, `${path}.timeouts`)
  const cb = section(raw, 'circuit_breaker', p, `${path}.circuit_breaker`)
  const { timeouts, circuit_breaker } = DEFAULTS.backend
  return {
    name,
    format,
    base_url: endpoints[0] ?? '',
    endpoints,
    circuit_breaker: {
      failure_threshold: int(cb, 'failure_threshold', `${path}.circuit_breaker.failure_threshold`, p, circuit_breaker.failure_threshold, 1),
      cooldown_ms: int(cb, 'cooldown_s', `${path}.circuit_breaker.cooldown_s`, p, circuit_breaker.cooldown_s, 0) * 1000,
    },
    api_key: apiKey === '' ? null : apiKey,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    timeouts: {
      connect_ms: int(t, 'connect_s', `${path}.timeouts.connect_s`, p, timeouts.connect_s, 1) * 1000,
      first_byte_ms: int(t, 'first_byte_s', `${path}.timeouts.first_byte_s`, p, timeouts.first_byte_s, 1) * 1000,
      idle_ms: int(t, 'idle_s', `${path}.timeouts.idle_s`, p, timeouts.idle_s, 1) * 1000,
    },
    responses: RESPONSES_MODES.includes(responses) && format === 'openai' ? responses : 'translate',
  }
}
