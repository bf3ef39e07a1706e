// Tells a JWT (three base64url segments, a JSON header) from an opaque key without decoding it.
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential)
}
