// Mints a gateway key: a recognisable prefix (so secret scanners and humans spot it) followed by
// 32 random bytes in base64url, plus a short public id that names the key in lists and logs.
import { hashCredential } from './hash-credential'

export const GATEWAY_KEY_PREFIX = 'sk-gw-'

export interface GeneratedGatewayKey {
  id: string
  key: string
  hash: string
}

export function generateGatewayKey(randomBytes: (n: number) => Uint8Array = defaultRandomBytes): GeneratedGatewayKey {
  const key = GATEWAY_KEY_PREFIX + Buffer.from(randomBytes(32)).toString('base64url')
  const id = 'key_' + Buffer.from(randomBytes(9)).toString('base64url')
  return { id, key, hash: hashCredential(key) }
}

function defaultRandomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n))
}
