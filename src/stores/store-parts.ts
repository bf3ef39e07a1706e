// What an opened store gives the gateway: the key store, the quota store, the store of the per-user
// limits and the sign-in store (one place for all), and its connection state for readiness.
import type { KeyStore } from '../auth/key-store'
import type { SignInStore } from '../auth/sessions/sign-in-store'
import type { LimitStore } from '../limits/limit-store'
import type { QuotaStore } from '../quota/quota-store'

export interface StoreParts {
  keyStore: KeyStore
  quotaStore: QuotaStore
  limitStore: LimitStore
  signInStore: SignInStore
  /** Resolves once the store answers (Redis connected), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>
  /** Whether the store has been reached since it was opened (the embedded one: always). */
  reached(): boolean
  close(): Promise<void>
}
