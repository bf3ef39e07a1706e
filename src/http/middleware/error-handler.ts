// Renders every failure once, in the shape of the route: Anthropic's on /v1/messages*, OpenAI's
// elsewhere. Elysia's own errors (parse, validation, unknown route) become GatewayErrors first;
// anything unexpected becomes a 500 without a stack trace, and is logged.
import { Elysia } from 'elysia'
import { GatewayError } from '../../errors/gateway-error'
import { renderErrorBody } from '../../protocol/render-error'
import type { WireFormat } from '../../protocol/vocabulary'
import type { Logger } from '../../logging/logger'

/** The 400 message for a body that fails its schema, from the JSON pointer of the first problem. */
export function invalidBodyMessage(pointer: string | undefined, message: string | undefined): string {
  const path = pointer?.replace(/^\//, '').replaceAll('/', '.') || 'body'
  return `Invalid request body: ${path}: ${message ?? 'is invalid'}.`
}

function validationMessage(error: unknown): string {
  const e = error as { valueError?: { path?: string; message?: string } }
  return invalidBodyMessage(e.valueError?.path, e.valueError?.message)
}

/**
 * The wire format a path answers errors in: `/v1/messages*` and what only Claude Code calls (its
 * managed settings, its OTLP export) speak Anthropic, the rest OpenAI.
 */
export function errorFormatForPath(pathname: string): WireFormat {
  // The doubled prefix of a base URL ending in /v1 is the same family of routes.
  const path = pathname.startsWith('/v1/v1/') ? pathname.slice(3) : pathname
  if (path.startsWith('/v1/messages') || path.startsWith('/managed/')) return 'anthropic'
  return /^\/v1\/(?:metrics|logs|traces)\/?$/.test(path) ? 'anthropic' : 'openai'
}

export function toGatewayError(code: unknown, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  const cause = (error as { cause?: unknown })?.cause
  if (cause instanceof GatewayError) return cause
  // JSON nested thousands deep parses, then overflows the stack when it is walked or serialised.
  if (error instanceof RangeError && /call stack|recursion/i.test(error.message)) {
    return new GatewayError(400, 'invalid_request_error', 'The request body is nested too deeply.')
  }
  switch (code) {
    case 'PARSE':
      return new GatewayError(400, 'invalid_request_error', 'The request body is not valid JSON.')
    case 'VALIDATION':
      return new GatewayError(400, 'invalid_request_error', validationMessage(error))
    case 'NOT_FOUND':
      return new GatewayError(404, 'not_found_error', 'No such route on this gateway.')
    case 'INVALID_COOKIE_SIGNATURE':
    case 'INVALID_FILE_TYPE':
      return new GatewayError(400, 'invalid_request_error', 'Invalid request.')
    default:
      return new GatewayError(500, 'api_error', 'Internal gateway error.')
  }
}

/** The error response for any failure: a GatewayError as it is, anything else as a logged 500. */
export function errorResponse(code: unknown, error: unknown, format: WireFormat, log: Logger, path: string, extraHeaders?: Record<string, string>): Response {
  const gatewayError = toGatewayError(code, error)
  if (gatewayError.status >= 500 && !(error instanceof GatewayError)) {
    log.error('unhandled error', { path, error: error instanceof Error ? error.message : String(error) })
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', ...gatewayError.headers, ...extraHeaders }
  // A credential problem never goes away by sending the same request again (the Anthropic SDKs
  // read this header); Claude Code refreshes its token instead.
  if (gatewayError.status === 401) headers['x-should-retry'] = 'false'
  return new Response(renderErrorBody(gatewayError, format), { status: gatewayError.status, headers })
}

export function errorHandlerPlugin(log: Logger) {
  return new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, request, set, path }) => {
    const pathname = path ?? new URL(request.url).pathname
    const response = errorResponse(code, error, errorFormatForPath(pathname), log, pathname)
    set.status = response.status
    return response
  })
}
