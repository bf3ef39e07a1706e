// Tells a JWT (three base64url segments, a JSON header) from an opaque key without decoding it,
// and reads who claims to have issued one.
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential)
}

/** The unverified `iss` of a JWT-shaped credential, to pick who verifies it; null when unreadable. */
export function jwtIssuer(token: string): string | null {
  const start = token.indexOf('.') + 1
  const end = token.indexOf('.', start)
  try {
    const payload = JSON.parse(Buffer.from(token.slice(start, end), 'base64url').toString('utf8')) as { iss?: unknown }
    return typeof payload?.iss === 'string' ? payload.iss : null
  } catch {
    return null
  }
}
