// Pulls the client's credential out of `x-api-key` or `Authorization: Bearer ...`. Anything
// malformed yields a 401 (or null when nothing is there), never a 500; oversized headers are
// refused before any parsing so a 64 KB header costs one length check.
import { CREDENTIAL_PATTERN, MAX_CREDENTIAL_LENGTH } from '../config/credential-shape'
import { GatewayError } from '../errors/gateway-error'

export { CREDENTIAL_PATTERN, MAX_CREDENTIAL_LENGTH }

function refuse(reason: string): never {
  throw new GatewayError(401, 'authentication_error', reason)
}

function checkCredential(value: string): string {
  if (value.length === 0) refuse('empty credential')
  if (!CREDENTIAL_PATTERN.test(value)) refuse('malformed credential')
  return value
}

export function extractCredential(headers: Headers): string | null {
  const apiKey = headers.get('x-api-key')
  if (apiKey !== null) {
    if (apiKey.length > MAX_CREDENTIAL_LENGTH) refuse('credential too long')
    return checkCredential(apiKey.trim())
  }
  const authorization = headers.get('authorization')
  if (authorization === null) return null
  if (authorization.length > MAX_CREDENTIAL_LENGTH + 16) refuse('credential too long')
  const value = authorization.trim()
  const space = value.indexOf(' ')
  if (space <= 0) refuse('malformed Authorization header, expected "Bearer <credential>"')
  if (value.slice(0, space).toLowerCase() !== 'bearer') refuse('unsupported Authorization scheme, expected Bearer')
  return checkCredential(value.slice(space + 1).trim())
}
