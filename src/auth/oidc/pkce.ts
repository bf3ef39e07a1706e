// PKCE (RFC 7636), S256 only: the code verifier stays with the gateway (sealed in the browser's
// sign-in cookie), the challenge goes to the identity provider, so an intercepted authorization
// code is useless to anyone else.
import { createHash, randomBytes } from 'node:crypto'

export interface Pkce {
  verifier: string
  challenge: string
  method: 'S256'
}

export function createPkce(random: (n: number) => Uint8Array = randomBytes): Pkce {
  // 32 bytes give a 43-character verifier, the shortest RFC 7636 allows, with 256 bits in it.
  const verifier = Buffer.from(random(32)).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), method: 'S256' }
}

/** A random value for `state` and `nonce`. */
export function randomToken(random: (n: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(32)).toString('base64url')
}
