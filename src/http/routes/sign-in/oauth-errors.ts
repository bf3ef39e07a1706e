// Answers of the OAuth endpoints (RFC 6749 5.2, RFC 8628 3.5): JSON with `error` and, when it
// helps, `error_description`, never cached. These endpoints speak OAuth, not the LLM APIs' error
// shapes, because OAuth clients (Claude Code's login) read `error`.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token'
  | 'temporarily_unavailable'

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

export function oauthJson(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...NO_STORE, ...headers } })
}

export function oauthError(status: number, error: OAuthErrorCode, description?: string, headers: Record<string, string> = {}): Response {
  return oauthJson(status, description === undefined ? { error } : { error, error_description: description }, headers)
}
