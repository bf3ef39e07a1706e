// The only place that sends requests upstream. Applies the backend's timeouts, ties the upstream
// request to the client's (a disconnect cancels it), and turns network failures into GatewayErrors.
// Streamed requests to plain-HTTP upstreams go through the gateway's own keep-alive HTTP/1.1 client
// (./http1/: less memory per open stream); everything else, HTTPS, and every upstream
// while an HTTP proxy is configured in the environment, goes through fetch(), which pools
// connections on its own and does its work on its own thread.
import type { BackendConfig } from '../config/config-types'
import { GatewayError } from '../errors/gateway-error'
import { canConnect } from './can-connect'
import { demoResponse } from './demo-backend'
import { Http1Error, http1Request } from './http1'
import { upstreamHeaders } from './upstream-headers'
import type { LlmEndpoint } from '../protocol/vocabulary'
import { upstreamUrl } from './upstream-endpoint'

export interface UpstreamCall {
  backend: BackendConfig
  endpoint: LlmEndpoint
  body: string
  stream: boolean
  clientHeaders: Headers | null
  /** The client's query string (`?beta=true`), forwarded to Anthropic backends. */
  search: string
  requestId: string
  /** Aborts when the client goes away. */
  signal: AbortSignal | null
  /** Who is asking (the user's usage subject): a failure they may have caused counts once per caller. */
  caller: string
}

interface PlainHttpTarget {
  authority: string
  hostname: string
  port: number
}
/** Parsed authorities of plain-HTTP base URLs (they come from the configuration: a bounded set). */
const plainTargets = new Map<string, PlainHttpTarget | null>()
const PLAIN_URL = /^http:\/\/([^/?#]+)(.*)$/i
/** fetch() honours these for http:// URLs; while one is set, every upstream request goes through it. */
const proxyConfigured = Boolean(process.env.HTTP_PROXY || process.env.http_proxy)

function plainTarget(authority: string): PlainHttpTarget | null {
  let target = plainTargets.get(authority)
  if (target !== undefined) return target
  target = null
  if (!authority.includes('@')) {
    try {
      const url = new URL(`http://${authority}/`)
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
      target = { authority: url.host, hostname, port: url.port ? Number(url.port) : 80 }
    } catch {
      target = null
    }
  }
  plainTargets.set(authority, target)
  return target
}

function upstreamFailure(call: UpstreamCall, error: unknown, timedOut: boolean): GatewayError {
  const { backend } = call
  if (call.signal?.aborted) return new GatewayError(499 as number, 'api_error', 'The client closed the request.')
  // A connection that could not be made (refused, or not within connect_s) is the endpoint's
  // failure, never a timeout of the request's own making.
  if (error instanceof Http1Error && error.kind === 'connect') {
    return new GatewayError(502, 'api_error', `Backend "${backend.name}" is unreachable (${error.code}).`)
  }
  if (timedOut || (error instanceof Http1Error && error.kind === 'first-byte-timeout')) {
    return new GatewayError(504, 'api_error', `Backend "${backend.name}" did not answer within ${backend.timeouts.first_byte_ms / 1000} s.`)
  }
  const code = (error as { code?: string }).code ?? ''
  if (/timeout|timedout/i.test(code) || /timed? ?out/i.test(String((error as Error).message))) {
    return new GatewayError(504, 'api_error', `Backend "${backend.name}" timed out.`)
  }
  if (error instanceof Http1Error && error.kind === 'protocol') {
    return new GatewayError(502, 'api_error', `Backend "${backend.name}" sent an invalid HTTP response (${code}).`)
  }
  return new GatewayError(502, 'api_error', `Backend "${backend.name}" is unreachable${code ? ` (${code})` : ''}.`)
}

/** `baseUrl`: the endpoint of the backend to use; defaults to its first. */
export async function callUpstream(call: UpstreamCall, baseUrl: string = call.backend.base_url): Promise<Response> {
  const { backend } = call
  if (backend.format === 'demo') return demoResponse(call.endpoint, call.body, call.stream)
  const url = upstreamUrl(backend, baseUrl, call.endpoint, backend.format === 'anthropic' ? call.search : '')
  const plain = call.stream && !proxyConfigured ? PLAIN_URL.exec(url) : null
  const target = plain ? plainTarget(plain[1]!) : null
  if (target) {
    try {
      return await http1Request({
        method: 'POST',
        authority: target.authority,
        hostname: target.hostname,
        port: target.port,
        path: plain![2] || '/',
        headers: upstreamHeaders(backend, call.clientHeaders, call.requestId, call.stream),
        body: call.body,
        signal: call.signal,
        firstByteMs: backend.timeouts.first_byte_ms,
        connectMs: backend.timeouts.connect_ms,
        idleMs: backend.timeouts.idle_ms,
      })
    } catch (error) {
      throw upstreamFailure(call, error, false)
    }
  }

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
  let unreachable = false
  let settled = false
  // Headers must arrive within first_byte_ms; after that, Bun's socket idle timeout (reset by every
  // byte) bounds a stream that goes silent. fetch() bounds no connect: at connect_ms the endpoint is
  // asked whether it can be connected to at all (./can-connect.ts), and if not the request fails as
  // unreachable. One timer either way: it fires at connect_ms, then again at first_byte_ms.
  const { connect_ms: connectMs, first_byte_ms: firstByteMs } = backend.timeouts
  const giveUp = () => {
    timedOut = true
    controller.abort()
  }
  let deadline = setTimeout(() => {
    if (connectMs >= firstByteMs) return giveUp()
    deadline = setTimeout(giveUp, firstByteMs - connectMs)
    void canConnect(baseUrl, connectMs).then((ok) => {
      // Answered meanwhile: the answer's body must not be cut.
      if (ok || settled || signal.aborted) return
      unreachable = true
      controller.abort()
    })
  }, Math.min(connectMs, firstByteMs))
  try {
    return await fetch(url, {
      method: 'POST',
      headers: upstreamHeaders(backend, call.clientHeaders, call.requestId, call.stream),
      body: call.body,
      signal,
      timeout: Math.max(backend.timeouts.idle_ms, 1),
      decompress: true,
      // A redirect is answered as the backend's failure, never followed: following it would send
      // the request, and the backend's credentials, to wherever the Location points.
      redirect: 'manual',
    } as RequestInit)
  } catch (error) {
    if (unreachable && !call.signal?.aborted) throw new GatewayError(502, 'api_error', `Backend "${backend.name}" is unreachable (no connection within ${connectMs / 1000} s).`)
    throw upstreamFailure(call, error, timedOut)
  } finally {
    settled = true
    clearTimeout(deadline)
  }
}
