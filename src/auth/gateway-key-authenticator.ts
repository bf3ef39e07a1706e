// Authenticates gateway keys (`sk-gw-...`) against the key store, with an in-memory cache in front
// so the hot path is one SHA-256 and a Map lookup. Both hits and misses are cached, each map
// bounded, for a short TTL (default 3 s): that TTL is how fast a revocation made on any replica
// reaches this one. Concurrent lookups of the same key share one store round trip.
import { GatewayError } from '../errors/gateway-error'
import { hashCredential } from './hash-credential'
import type { Identity } from './identity'
import type { GatewayKeyRecord, KeyStore } from './key-store'

export interface GatewayKeyAuthenticatorOptions {
  keyStore: KeyStore
  /** How long a lookup answer is reused; also the bound on revocation delay. */
  cacheTtlMs?: number
  /** Bound on each of the positive and negative caches. */
  maxEntries?: number
  now?: () => number
}

export interface GatewayKeyAuthenticator {
  authenticate(credential: string): Promise<Identity | null>
  /** The same, given the credential's SHA-256 hex hash (lets callers hash once). */
  authenticateHash(hash: string): Promise<Identity | null>
  /** Drops the cached answer for a key hash (after a local revocation). */
  invalidate(hash?: string): void
  /** The cached answer for a key hash without a store lookup: undefined when none is cached. */
  cachedAnswer(hash: string): Identity | null | undefined
}

interface Entry {
  identity: Identity | null
  expiresAt: number
}

function toIdentity(record: GatewayKeyRecord): Identity {
  const identity: Identity = { user: record.user, tier: record.tier, keyId: record.id, source: 'gateway-key' }
  if (record.name !== undefined) identity.name = record.name
  return identity
}

export function createGatewayKeyAuthenticator(options: GatewayKeyAuthenticatorOptions): GatewayKeyAuthenticator {
  const ttl = options.cacheTtlMs ?? 3_000
  const maxEntries = options.maxEntries ?? 10_000
  const now = options.now ?? Date.now
  // Separate maps so a flood of random keys (misses) cannot evict the real ones (hits).
  const hits = new Map<string, Entry>()
  const misses = new Map<string, Entry>()
  const inFlight = new Map<string, Promise<Identity | null>>()

  function remember(hash: string, identity: Identity | null): void {
    const map = identity ? hits : misses
    map.delete(hash)
    if (map.size >= maxEntries) {
      const oldest = map.keys().next()
      if (!oldest.done) map.delete(oldest.value)
    }
    map.set(hash, { identity, expiresAt: now() + ttl })
  }

  function cached(hash: string): Entry | undefined {
    const entry = hits.get(hash) ?? misses.get(hash)
    if (entry && entry.expiresAt > now()) return entry
    if (entry) {
      hits.delete(hash)
      misses.delete(hash)
    }
    return undefined
  }

  async function authenticateHash(hash: string): Promise<Identity | null> {
    const entry = cached(hash)
    if (entry) return entry.identity ? { ...entry.identity } : null
    let pending = inFlight.get(hash)
    if (!pending) {
      pending = options.keyStore
        .findByHash(hash)
        .then((record) => {
          const identity = record && !record.revokedAt ? toIdentity(record) : null
          remember(hash, identity)
          return identity
        })
        .catch((error: unknown) => {
          // The store is down: say so (503), never a 500; static keys and Keycloak keep working.
          if (error instanceof GatewayError) throw error
          throw new GatewayError(503, 'api_error', 'key store unavailable; try again shortly')
        })
        .finally(() => inFlight.delete(hash))
      inFlight.set(hash, pending)
    }
    const identity = await pending
    return identity ? { ...identity } : null
  }

  return {
    authenticate: (credential) => authenticateHash(hashCredential(credential)),
    authenticateHash,
    cachedAnswer(hash) {
      const entry = cached(hash)
      if (!entry) return undefined
      return entry.identity ? { ...entry.identity } : null
    },
    invalidate(hash) {
      if (hash === undefined) {
        hits.clear()
        misses.clear()
      } else {
        hits.delete(hash)
        misses.delete(hash)
      }
    },
  }
}
