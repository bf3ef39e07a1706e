// Step three, for one routed model: translate the request for the backend, call it, and sort out
// what came back. A backend that is down or overloaded before any byte reached the client is
// `unavailable`, so that the caller can try the next candidate; anything else is the answer.
import { usageSubject } from '../auth/identity'
import { GatewayError } from '../errors/gateway-error'
import { loggableWarning } from '../protocol/translation-warning'
import { type TranslatedRequest, type Translator, translatorFor, upstreamErrorMessage } from '../protocol/translators'
import type { RouteTarget } from '../routing/resolve-model'
import { type BackendResponse, callBackend } from '../upstream/call-backend'
import { readErrorText } from '../upstream/read-error-text'
import type { Admission } from './admit-request'
import { answerHeaders } from './answer-headers'
import type { ProxyDeps, ProxyRequest } from './proxy-request'
import { type Answer, relayJson, relayStreamed } from './relay-answer'

export type Attempt = { kind: 'response'; response: Response } | { kind: 'unavailable'; error: GatewayError }

/** At most this many translation warnings per request reach the debug log. */
const MAX_LOGGED_WARNINGS = 20

/** The request translated for one target's backend, ready to send. */
export interface PreparedAttempt {
  translator: Translator
  translated: TranslatedRequest
}

/**
 * Translates the request for a target's backend. A request the backend's format cannot express is
 * a 400, thrown here: the pipeline prepares the first candidate before admission, so such a
 * request is refused without being counted.
 */
export function prepareAttempt(deps: ProxyDeps, req: ProxyRequest, target: RouteTarget): PreparedAttempt {
  const translator = translatorFor(req.format, target.backend)
  const translated = translator.request(req.body, target)
  if (translated.warnings.length > 0 && deps.log.enabled('debug')) {
    deps.log.debug('translation dropped parts of the request', { request_id: req.requestId, warnings: translated.warnings.slice(0, MAX_LOGGED_WARNINGS).map(loggableWarning) })
  }
  return { translator, translated }
}

export async function attemptBackend(deps: ProxyDeps, req: ProxyRequest, target: RouteTarget, admission: Admission, prepared?: PreparedAttempt): Promise<Attempt> {
  const { metrics, log } = deps
  const backend = target.backend
  if (req.record) {
    req.record.backend = backend.name
    req.record.routedModel = target.model
  }
  const { translator, translated } = prepared ?? prepareAttempt(deps, req, target)
  const stream = req.body.stream === true

  const started = performance.now()
  let called: BackendResponse
  try {
    called = await callBackend(
      {
        backend,
        endpoint: translator.upstreamEndpoint,
        body: translated.body,
        stream,
        clientHeaders: translator.passthrough && req.format === 'anthropic' ? req.headers : null,
        search: translator.passthrough ? req.search : '',
        requestId: req.requestId,
        caller: usageSubject(req.identity),
        signal: req.signal,
      },
      deps.pools.get(backend.name),
    )
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error
    metrics.upstreamErrors.inc({ backend: backend.name, kind: error.status === 504 ? 'timeout' : error.status === 503 ? 'no_endpoint' : 'connect' })
    if (error.status === 499) throw error
    return { kind: 'unavailable', error }
  }
  const upstream = called.response
  metrics.upstreamDuration.observe({ backend: backend.name }, (performance.now() - started) / 1000)

  if (!upstream.ok) {
    const text = await readErrorText(upstream)
    called.release()
    metrics.upstreamErrors.inc({ backend: backend.name, kind: String(upstream.status) })
    const mapped = translator.error(upstream.status, text, backend.name)
    // The client hears the gateway's words for a backend failure; the operator may want the backend's.
    if (upstream.status >= 500 && log.enabled('debug')) log.debug('backend answered an error', { request_id: req.requestId, backend: backend.name, status: upstream.status, message: upstreamErrorMessage(text)?.slice(0, 500) })
    if (mapped.error.type === 'overloaded_error' || upstream.status === 502) return { kind: 'unavailable', error: mapped.error }
    admission.giveBack()
    if (!mapped.passthrough) throw mapped.error
    const headers = answerHeaders(req, 'application/json', target.model)
    const shouldRetry = upstream.headers.get('x-should-retry')
    if (shouldRetry) headers['x-should-retry'] = shouldRetry
    return { kind: 'response', response: new Response(text, { status: upstream.status, headers }) }
  }

  const headers = answerHeaders(req, 'application/json', target.model)
  for (const name in admission.rateHeaders) headers[name] = admission.rateHeaders[name]!
  const upstreamRequestId = upstream.headers.get('request-id') ?? upstream.headers.get('x-request-id')
  if (upstreamRequestId) headers['x-upstream-request-id'] = upstreamRequestId
  const isStream = stream && (upstream.headers.get('content-type') ?? '').includes('text/event-stream') && upstream.body !== null
  const answer: Answer = { req, translator, plan: translated.plan, target, backendName: backend.name, called, admission, headers, started }
  const response = isStream ? relayStreamed(deps, answer) : await relayJson(answer)
  return { kind: 'response', response }
}
