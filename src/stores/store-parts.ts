// What an opened store gives the gateway: the key store, the quota store and the store of the
// per-user limits (one place for all three), and its connection state for readiness.
import type { KeyStore } from '../auth/key-store'
import type { LimitStore } from '../limits/limit-store'
import type { QuotaStore } from '../quota/quota-store'

export interface StoreParts {
  keyStore: KeyStore
  quotaStore: QuotaStore
  limitStore: LimitStore
  /** Resolves once the store answers (Redis connected), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>
  /** Whether the store has been reached since it was opened (the embedded one: always). */
  reached(): boolean
  close(): Promise<void>
}
