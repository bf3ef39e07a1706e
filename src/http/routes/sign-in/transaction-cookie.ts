// The cookie that carries a browser sign-in's sealed transaction (state, nonce, PKCE verifier: see
// ../../../auth/oidc/sign-in-transaction.ts) from the gateway's page that starts it to the callback.
// HttpOnly; SameSite=Lax, since Keycloak's redirect back is a top-level navigation from another
// site (Strict would leave the cookie behind); under https, Secure and `__Host-` (only ever set by
// this origin, for the whole site: RFC 6265bis 4.1.3.2).

export interface TransactionCookie {
  /** A Set-Cookie value holding `sealed` for `maxAgeS` seconds. */
  set(sealed: string, maxAgeS: number): string
  /** A Set-Cookie value that removes it. */
  clear(): string
  /** The sealed transaction the browser sent, or null. */
  read(request: Request): string | null
}

/** Bounds the work on a cookie header from outside. */
const MAX_COOKIE_HEADER = 16 * 1024

export function transactionCookie(publicUrl: string): TransactionCookie {
  const secure = new URL(publicUrl).protocol === 'https:'
  const name = secure ? '__Host-llmgw_signin' : 'llmgw_signin'
  const cookie = (value: string, maxAgeS: number) => `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`
  return {
    set: cookie,
    clear: () => cookie('', 0),
    read(request) {
      const header = request.headers.get('cookie')
      if (header === null || header.length > MAX_COOKIE_HEADER) return null
      for (const part of header.split(';')) {
        const eq = part.indexOf('=')
        if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
      }
      return null
    },
  }
}
