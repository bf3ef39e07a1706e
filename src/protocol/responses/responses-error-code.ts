// The `error.code` of a failed response (response.failed) for an upstream failure of the gateway's
// error types. Codex and the SDKs tell rate limits apart (and retry them); everything else the
// backend got wrong is a server error, and a request it refused is an invalid prompt.
import type { GatewayErrorType } from '../../errors/gateway-error'

export function responsesErrorCode(type: GatewayErrorType): string {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limit_exceeded'
    case 'overloaded_error':
      return 'server_is_overloaded'
    case 'invalid_request_error':
    case 'request_too_large':
      return 'invalid_prompt'
    case 'authentication_error':
    case 'permission_error':
    case 'not_found_error':
    case 'api_error':
      return 'server_error'
    default: {
      const never_: never = type
      return never_
    }
  }
}
