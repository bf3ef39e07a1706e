// The request path every LLM call takes after authentication: route the model, admit it against
// the daily quota, build the upstream request (same API: pass through; other API: translate), call
// the backend, and relay its answer with the gateway's headers. Quota is given back when the
// upstream answers non-2xx or fails before any byte.

import type { BackendFormat, TierConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
import { renderErrorBody } from '../protocol/render-error'
import { formatSSE } from '../protocol/sse/encode-sse'
import type { TokenUsage } from '../protocol/usage'
import type { RouteTarget } from '../routing/resolve-model'
import { type BackendResponse, callBackend } from '../upstream/call-backend'
import { relayStream, type StreamOutcome } from '../upstream/relay-stream'
import type { LlmEndpoint } from '../protocol/vocabulary'
import type { ClientFormat, ProxyDeps, ProxyRequest, QuotaTicketLike } from './proxy-types'
import { type BuiltUpstream, buildUpstreamBody, convertResponseBody, createResponseStream, type TranslationMode } from './translation'
import { loggableWarning } from './loggable-warning'
import { mapUpstreamError, readErrorText } from './map-upstream-error'

export const ROUTED_MODEL_HEADER = 'x-gateway-routed-model'

// The tokenizer's tables take ~90 MB of memory: loaded on the first count_tokens that needs it.
let tokenizer: Promise<typeof import('../protocol/tokens/estimate-anthropic-input-tokens')> | null = null
const loadTokenizer = () => (tokenizer ??= import('../protocol/tokens/estimate-anthropic-input-tokens'))
const encoder = new TextEncoder()
const PING = encoder.encode(formatSSE('ping', '{"type":"ping"}'))
const KEEP_ALIVE_MS = 15_000

function streamErrorEvent(format: ClientFormat) {
  return (message: string) =>
    encoder.encode(
      format === 'anthropic'
        ? formatSSE('error', renderErrorBody(new GatewayError(502, 'api_error', message), 'anthropic'))
        : formatSSE(undefined, renderErrorBody(new GatewayError(502, 'api_error', message), 'openai')),
    )
}

function translationMode(client: ClientFormat, backend: BackendFormat): TranslationMode {
  if (backend === 'demo' || backend === client) return 'same'
  return client === 'anthropic' ? 'anthropic-to-openai' : 'openai-to-anthropic'
}

/** The headers every answer of the proxy carries (built as one plain object, never copied). */
function answerHeaders(req: ProxyRequest, contentType: string, routedModel: string): Record<string, string> {
  return { 'content-type': contentType, [ROUTED_MODEL_HEADER]: routedModel, 'request-id': req.requestId, 'x-request-id': req.requestId }
}

/** Distinct requested model names kept as metric labels; clients choose them, so they are capped. */
const MAX_REQUESTED_LABELS = 500

export function createProxy(deps: ProxyDeps) {
  const { metrics } = deps
  const requestedLabels = new Set<string>()
  function requestedLabel(name: string): string {
    if (requestedLabels.has(name)) return name
    if (requestedLabels.size >= MAX_REQUESTED_LABELS) return 'other'
    requestedLabels.add(name)
    return name
  }

  function recordUsage(record: ProxyRequest['record'], ticket: QuotaTicketLike | null, tier: string, usage: TokenUsage) {
    if (record) record.usage = usage
    metrics.tokens.inc({ tier, direction: 'input' }, usage.input_tokens)
    metrics.tokens.inc({ tier, direction: 'output' }, usage.output_tokens)
    ticket?.recordTokens(usage.input_tokens, usage.output_tokens).catch((e) => deps.log.warn('token accounting failed', { error: String(e) }))
  }

  async function countTokens(req: ProxyRequest, target: RouteTarget): Promise<Response> {
    const headers = answerHeaders(req, 'application/json', target.model)
    if (target.backend.format === 'openai') {
      // OpenAI-compatible backends have no token counting endpoint: the gateway's own tokenizer
      // estimate, and the header says so.
      headers['x-gateway-token-count'] = 'estimate'
      const { estimateAnthropicInputTokens } = await loadTokenizer()
      return new Response(JSON.stringify({ input_tokens: estimateAnthropicInputTokens(req.body) }), { headers })
    }
    const called = await callBackend(
      {
        backend: target.backend,
        endpoint: 'count_tokens',
        body: JSON.stringify({ ...req.body, model: target.upstreamModel }),
        stream: false,
        clientHeaders: req.headers,
        search: req.search,
        requestId: req.requestId,
        signal: req.signal,
      },
      deps.pools.get(target.backend.name),
    ).catch((error: unknown) => {
      throw forClient(error, 'anthropic')
    })
    const text = await readErrorText(called.response)
    called.release()
    if (!called.response.ok) {
      const mapped = mapUpstreamError(called.response.status, text, target.backend.name, 'anthropic', true)
      if (!mapped.passthrough) throw mapped.error
    }
    return new Response(text, { status: called.response.status, headers })
  }

  /** Overload and unreachability reach Anthropic callers as 529, as Anthropic's own API says it. */
  function forClient(error: unknown, format: ClientFormat): unknown {
    if (format === 'anthropic' && error instanceof GatewayError && error.type === 'overloaded_error' && error.status !== 529) {
      return new GatewayError(529, 'overloaded_error', error.message, { headers: error.headers })
    }
    return error
  }

  async function admit(req: ProxyRequest, tier: TierConfig): Promise<{ ticket: QuotaTicketLike | null; rateHeaders: Record<string, string> }> {
    if (!deps.quota) return { ticket: null, rateHeaders: {} }
    const ticket = await deps.quota.admit(req.identity.user, { dailyRequests: tier.daily_requests, dailyTokens: tier.daily_tokens })
    const rateHeaders = deps.rateLimitHeaders(ticket, req.format)
    metrics.quotaUsed.set({ user: req.identity.user }, ticket.used)
    if (!ticket.allowed) {
      metrics.quotaRejections.inc({ tier: tier.name })
      const what = ticket.deniedBy === 'tokens' ? `token quota of ${ticket.tokenLimit}` : `request quota of ${ticket.limit}`
      throw new GatewayError(429, 'rate_limit_error', `Daily ${what} for the ${tier.name} tier is used up; it resets at ${ticket.resetsAt.toISOString()}.`, {
        headers: { ...rateHeaders, 'retry-after': String(ticket.retryAfterSeconds) },
        code: 'daily_quota_exceeded',
      })
    }
    return { ticket, rateHeaders }
  }

  type Attempt = { kind: 'response'; response: Response } | { kind: 'unavailable'; error: GatewayError }

  /**
   * One try at one routed model. Resolves with `unavailable` when the backend is down or overloaded
   * before any byte was sent to the client, so that the caller can fall back to another model.
   */
  async function attempt(req: ProxyRequest, target: RouteTarget, tier: TierConfig, ticket: QuotaTicketLike | null, rateHeaders: Record<string, string>, giveBack: () => void): Promise<Attempt> {
    const backend = target.backend
    if (req.record) {
      req.record.backend = backend.name
      req.record.routedModel = target.model
    }
    const mode = translationMode(req.format, backend.format)
    const stream = req.body.stream === true
    const built = buildUpstreamBody(mode, req, target)
    // What the translation had to drop: field names, block types and ids, which the client chose,
    // so at most 20 of them and 80 characters each (never content).
    if (built.warnings.length > 0 && deps.log.enabled('debug')) deps.log.debug('translation dropped parts of the request', { request_id: req.requestId, warnings: built.warnings.slice(0, 20).map(loggableWarning) })
    const upstreamEndpoint: LlmEndpoint = (backend.format === 'demo' ? req.format : backend.format) === 'anthropic' ? 'messages' : 'chat_completions'

    const started = performance.now()
    let called: BackendResponse
    try {
      called = await callBackend(
        {
          backend,
          endpoint: upstreamEndpoint,
          body: built.body,
          stream,
          clientHeaders: mode === 'same' && req.format === 'anthropic' ? req.headers : null,
          search: mode === 'same' ? req.search : '',
          requestId: req.requestId,
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
      const mapped = mapUpstreamError(upstream.status, text, backend.name, req.format, mode === 'same')
      if (mapped.error.type === 'overloaded_error' || upstream.status === 502) return { kind: 'unavailable', error: mapped.error }
      giveBack()
      if (mapped.passthrough) {
        const headers = answerHeaders(req, 'application/json', target.model)
        const shouldRetry = upstream.headers.get('x-should-retry')
        if (shouldRetry) headers['x-should-retry'] = shouldRetry
        return { kind: 'response', response: new Response(text, { status: upstream.status, headers }) }
      }
      throw mapped.error
    }

    const headers = answerHeaders(req, 'application/json', target.model)
    for (const name in rateHeaders) headers[name] = rateHeaders[name]!
    const upstreamRequestId = upstream.headers.get('request-id') ?? upstream.headers.get('x-request-id')
    if (upstreamRequestId) headers['x-upstream-request-id'] = upstreamRequestId
    const isStream = stream && (upstream.headers.get('content-type') ?? '').includes('text/event-stream') && upstream.body !== null

    if (!isStream) {
      // A same-format answer is read as text, so that it can go out as it came when nothing in it
      // changes; a translated one is parsed straight from the bytes. A SyntaxError is a body that
      // is not JSON, a TimeoutError a backend gone silent; anything else means the connection
      // ended before the body did.
      let parsed: unknown
      let text: string | null = null
      try {
        if (mode === 'same') {
          text = await upstream.text()
          parsed = JSON.parse(text)
        } else {
          parsed = await upstream.json()
        }
      } catch (error) {
        giveBack()
        if (req.signal?.aborted) throw new GatewayError(499 as number, 'api_error', 'The client closed the request.')
        if (error instanceof SyntaxError) throw new GatewayError(502, 'api_error', `Backend "${backend.name}" answered with something that is not JSON.`)
        // Silent past its idle limit in the middle of the body: a timeout, as before the first byte.
        if ((error as Error)?.name === 'TimeoutError') throw new GatewayError(504, 'api_error', `Backend "${backend.name}" timed out.`)
        throw new GatewayError(502, 'api_error', `Backend "${backend.name}" closed the connection before the response was complete.`)
      } finally {
        called.release()
      }
      const { body, usage, changed } = convertResponseBody(mode, req.format, parsed, target)
      // As it came only when it names one model: a second "model" key (nested, or a duplicate the
      // parse dropped) gets the answer written anew, so no upstream name slips through.
      const asItCame = !changed && text !== null && text.indexOf('"model"') === text.lastIndexOf('"model"')
      let out: string
      try {
        out = asItCame ? text! : JSON.stringify(body)
      } catch {
        // Nested too deeply to write again: the backend's answer is at fault, not the request.
        giveBack()
        throw new GatewayError(502, 'api_error', `Backend "${backend.name}" answered with JSON the gateway cannot relay.`)
      }
      if (usage) recordUsage(req.record, ticket, tier.name, usage)
      return { kind: 'response', response: new Response(out, { status: upstream.status, headers }) }
    }

    headers['content-type'] = 'text/event-stream; charset=utf-8'
    headers['cache-control'] = 'no-cache'
    return { kind: 'response', response: relayUpstream(req, target, built, mode, upstream.body!, called, ticket, tier.name, started, headers) }
  }

  /**
   * The streamed answer. Not part of attempt() on purpose: an async function keeps every variable
   * that lives across an await in one heap scope, which the stream's callbacks would then keep for
   * the stream's whole life, the parsed request body (a few hundred KB for Claude Code) included.
   * Here the callbacks capture only what they use.
   */
  function relayUpstream(
    req: ProxyRequest,
    target: RouteTarget,
    built: BuiltUpstream,
    mode: TranslationMode,
    body: ReadableStream<Uint8Array>,
    called: BackendResponse,
    ticket: QuotaTicketLike | null,
    tierName: string,
    started: number,
    headers: Record<string, string>,
  ): Response {
    const record = req.record
    const backendName = target.backend.name
    // Only the lease: the upstream Response (and its body stream) need not live as long as the relay.
    const release = called.release
    const transform = createResponseStream(mode, req, target, built, (usage) => recordUsage(record, ticket, tierName, usage))
    deps.streams.open()
    metrics.openStreams.inc()
    let firstChunk = true
    let streamEnded: (outcome: StreamOutcome) => void = () => {}
    if (record) record.streamEnd = new Promise((resolve) => (streamEnded = resolve))
    const relayed = relayStream(body, {
      transform,
      errorEvent: streamErrorEvent(req.format),
      keepAlive: mode === 'anthropic-to-openai' ? { everyMs: KEEP_ALIVE_MS, bytes: PING } : undefined,
      onFirstChunk: () => {
        if (!firstChunk) return
        firstChunk = false
        metrics.timeToFirstToken.observe({ backend: backendName }, (performance.now() - started) / 1000)
      },
      onEnd: (outcome: StreamOutcome) => {
        release()
        deps.streams.close()
        metrics.openStreams.dec()
        if (outcome === 'error') metrics.upstreamErrors.inc({ backend: backendName, kind: 'stream' })
        streamEnded(outcome)
      },
    })
    return new Response(relayed, { status: 200, headers })
  }

  return async function proxyLLMRequest(req: ProxyRequest): Promise<Response> {
    const primary = deps.resolveModel(req.body.model as string, req.identity.tier)
    metrics.routes.inc({ from: requestedLabel(primary.requested), to: primary.model })
    if (req.endpoint === 'count_tokens') return countTokens(req, primary)

    const tier = deps.tiers[req.identity.tier]!
    const { ticket, rateHeaders } = await admit(req, tier)
    let released = false
    const giveBack = () => {
      if (released || !ticket) return
      released = true
      ticket.release().catch((e) => deps.log.warn('quota give-back failed', { error: String(e) }))
    }

    // The primary model, then its fallbacks the tier allows; quota was counted once, above.
    const candidates = [primary, ...primary.fallbacks]
    for (let i = 0; i < candidates.length; i++) {
      const target = candidates[i]!
      if (i > 0) {
        metrics.routes.inc({ from: candidates[i - 1]!.model, to: target.model })
        deps.log.info('falling back', { request_id: req.requestId, from: candidates[i - 1]!.model, to: target.model })
      }
      let result: Attempt
      try {
        result = await attempt(req, target, tier, ticket, rateHeaders, giveBack)
      } catch (error) {
        giveBack()
        throw forClient(error, req.format)
      }
      if (result.kind === 'response') return result.response
      if (i === candidates.length - 1) {
        giveBack()
        throw forClient(result.error, req.format)
      }
    }
    throw new Error('unreachable: no routing candidate')
  }
}
