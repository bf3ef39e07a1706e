// The keys of the gateway's sign-in, derived from one secret (`auth.sessions.signing_key`, or one
// generated once and kept in the store so that every replica derives the same): an HMAC key that
// signs access tokens and an AES key that seals cookies and Keycloak's refresh tokens. Deriving
// them apart (HKDF) means neither use can be turned against the other.
import { createHash, hkdfSync } from 'node:crypto'
import { createSecretBox, type SecretBox } from '../secret-box'

export interface SessionKeys {
  /** HS256 key of the access tokens. */
  signing: Uint8Array
  /** Names the signing key in token headers, so that a token from another key is told apart in logs. */
  keyId: string
  box: SecretBox
}

const derive = (secret: string, info: string) => new Uint8Array(hkdfSync('sha256', secret, 'llm-gateway sign-in', info, 32))

export function deriveSessionKeys(secret: string): SessionKeys {
  const signing = derive(secret, 'access-token-hs256')
  return {
    signing,
    keyId: createHash('sha256').update(signing).digest('base64url').slice(0, 12),
    box: createSecretBox(derive(secret, 'sealing-aes256gcm')),
  }
}

/** A new secret for a store that holds none yet: 256 random bits. */
export function generateSessionSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}
