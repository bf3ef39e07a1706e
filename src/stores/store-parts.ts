// What an opened store gives the gateway: the key store, the quota store, the store of the per-user
// limits, the sign-in store, the usage ledger with the audit log and the console sessions (one place
// for all), and its connection state for readiness.
import type { KeyStore } from '../auth/key-store'
import type { SessionStore } from '../auth/session-store'
import type { SignInStore } from '../auth/sessions/sign-in-store'
import type { LimitStore } from '../limits/limit-store'
import type { QuotaStore } from '../quota/quota-store'
import type { AuditLog } from '../usage/audit-log'
import type { UsageStore } from '../usage/usage-store'

export interface StoreParts {
  keyStore: KeyStore
  quotaStore: QuotaStore
  limitStore: LimitStore
  signInStore: SignInStore
  usageStore: UsageStore
  auditLog: AuditLog
  sessionStore: SessionStore
  /** Resolves once the store answers (Redis connected), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>
  /** Whether the store has been reached since it was opened (the embedded one: always). */
  reached(): boolean
  close(): Promise<void>
}
