// The one error type of the gateway. Anything that should reach the client as a clean error
// throws this; the error plugin renders it once, in the shape of the route (Anthropic or OpenAI).

export type GatewayErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'

export interface GatewayErrorOptions {
  /** OpenAI's `param` (the offending field), when known. */
  param?: string | null
  /** OpenAI's `code`, when it differs from the type. */
  code?: string | null
  /** Extra response headers (retry-after, rate-limit headers). */
  headers?: Record<string, string>
}

export class GatewayError extends Error {
  readonly status: number
  readonly type: GatewayErrorType
  readonly param: string | null
  readonly code: string | null
  readonly headers: Record<string, string>

  constructor(status: number, type: GatewayErrorType, message: string, options: GatewayErrorOptions = {}) {
    super(message)
    this.name = 'GatewayError'
    this.status = status
    this.type = type
    this.param = options.param ?? null
    this.code = options.code ?? null
    this.headers = options.headers ?? {}
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError
}
