// What a client credential may look like (a gateway key, a static key, a Keycloak token): the
// config refuses a static key no client could send, and the HTTP edge refuses anything else
// before parsing it. Here, below both, so that the two can never disagree.

/** Longer than any gateway key or realistic Keycloak access token (those are a few KB). */
export const MAX_CREDENTIAL_LENGTH = 16 * 1024

// RFC 6750 b64token plus what JWTs and our keys use; no spaces or control characters.
export const CREDENTIAL_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/

/** Null when `value` can be sent as a credential, else why not. */
export function credentialProblem(value: string): string | null {
  if (value.length > MAX_CREDENTIAL_LENGTH) return `is longer than ${MAX_CREDENTIAL_LENGTH} characters`
  if (!CREDENTIAL_PATTERN.test(value)) return 'has characters a client cannot send as a credential (use letters, digits and - . _ ~ + /)'
  return null
}
