// Keys listed in the config file (development and tests). Only their SHA-256 hashes stay in
// memory, and every candidate is compared in constant time so timing reveals nothing about them.
import { timingSafeEqual } from 'node:crypto'
import { CREDENTIAL_PATTERN, MAX_CREDENTIAL_LENGTH } from './extract-credential'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'

export interface StaticKeyEntry {
  key: string
  user: string
  tier: string
  name?: string
}

export interface StaticKeyAuthenticator {
  authenticate(credential: string): Identity | null
  /** The same, given the credential's SHA-256 hex hash (lets callers hash once). */
  authenticateHash(hash: string): Identity | null
}

export function createStaticKeyAuthenticator(keys: StaticKeyEntry[]): StaticKeyAuthenticator {
  const entries = keys.map((entry, index) => {
    if (!entry.key) throw new Error(`static key #${index + 1} is empty`)
    // A key no client could send (spaces, other characters) is a config mistake: say so now.
    if (entry.key.length > MAX_CREDENTIAL_LENGTH || !CREDENTIAL_PATTERN.test(entry.key)) {
      throw new Error(`static key #${index + 1} (user ${entry.user}) has characters not allowed in a credential: use letters, digits and - . _ ~ + /`)
    }
    if (!entry.user || !entry.tier) throw new Error(`static key #${index + 1} needs a user and a tier`)
    const identity: Identity = { user: entry.user, tier: entry.tier, source: 'static-key' }
    if (entry.name !== undefined) identity.name = entry.name
    return { hash: Buffer.from(hashCredential(entry.key), 'hex'), identity }
  })

  function authenticateHash(hashHex: string): Identity | null {
    if (entries.length === 0) return null
    const hash = Buffer.from(hashHex, 'hex')
    if (hash.length !== 32) return null
    let found: Identity | null = null
    // No early exit: the time taken does not depend on which entry, if any, matched.
    for (const entry of entries) {
      if (timingSafeEqual(entry.hash, hash) && found === null) found = entry.identity
    }
    return found === null ? null : { ...found }
  }

  return {
    authenticate: (credential) => authenticateHash(hashCredential(credential)),
    authenticateHash,
  }
}
