// Seals small values the gateway hands out or keeps but must not let anyone read or alter: the
// sign-in transaction in a browser cookie, Keycloak's refresh token in the store. AES-256-GCM with
// a fresh 96-bit nonce per value; the purpose is bound in as associated data, so a value sealed for
// one use cannot be replayed as another.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

export interface SecretBox {
  seal(plaintext: string, purpose: string): string
  /** Null when the value was not sealed by this box for this purpose (tampered, another key, garbage). */
  open(sealed: string, purpose: string): string | null
}

const NONCE_BYTES = 12
const TAG_BYTES = 16
/** Bounds the work done on a value from outside before it is known to be ours. */
const MAX_SEALED_LENGTH = 64 * 1024

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.byteLength !== 32) throw new Error('a secret box needs a 32-byte key')
  return {
    seal(plaintext, purpose) {
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, nonce)
      cipher.setAAD(Buffer.from(purpose))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')
    },
    open(sealed, purpose) {
      if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(sealed)) return null
      const bytes = Buffer.from(sealed, 'base64url')
      if (bytes.byteLength < NONCE_BYTES + TAG_BYTES) return null
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES))
        decipher.setAAD(Buffer.from(purpose))
        decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        return null
      }
    },
  }
}
