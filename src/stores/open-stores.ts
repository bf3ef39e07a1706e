// Opens the gateway's state from the configuration: the embedded SQLite store, or Redis/Valkey
// shared by every replica. Quota counts, per-user limits, gateway keys, sign-in state, the usage
// ledger and console sessions live in the same place.
import { mkdirSync } from 'node:fs'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createLocalLimitStore } from './sqlite/local-limit-store'
import { createSqliteKeyStore } from './sqlite/sqlite-key-store'
import { createSqliteQuotaStore } from './sqlite/sqlite-quota-store'
import { createSqliteSignInStore } from './sqlite/sqlite-sign-in-store'
import { createSqliteSessionStore } from './sqlite/sqlite-session-store'
import { createSqliteUsageStore, openUsageDatabase } from './sqlite/sqlite-usage-store'
import type { AuditLog } from '../usage/audit-log'
import type { UsageStore } from '../usage/usage-store'
import type { StoreParts } from './store-parts'

export type { StoreParts }

export function openStores(config: GatewayConfig, log: Logger, metrics?: GatewayMetrics): StoreParts {
  const redisUrl = config.store.redis_url
  if (redisUrl) {
    // Loaded only when Redis is configured: the client library alone costs ~15 MB of memory.
    const { openRedisStores } = require('./redis/open-redis-stores') as typeof import('./redis/open-redis-stores')
    return openRedisStores({ ...config.store, redis_url: redisUrl }, log, { retentionDays: config.usage.retention_days }, metrics)
  }
  mkdirSync(config.store.data_dir, { recursive: true })
  const quotaStore = createSqliteQuotaStore(config.store.data_dir, { lockTimeoutMs: config.store.lock_timeout_s * 1000 })
  const keyStore = createSqliteKeyStore({ dataDir: config.store.data_dir })
  const limitStore = createLocalLimitStore()
  const signInStore = createSqliteSignInStore({ dataDir: config.store.data_dir })
  const usage = createSqliteUsageStore(openUsageDatabase(config.store.data_dir))
  const sessionStore = createSqliteSessionStore({ dataDir: config.store.data_dir })
  return {
    keyStore,
    quotaStore,
    limitStore,
    signInStore,
    usageStore: usage,
    auditLog: usage,
    sessionStore,
    ready: async () => {},
    reached: () => true,
    async close() {
      await limitStore.close()
      await keyStore.close()
      await signInStore.close()
      await sessionStore.close()
      await usage.close()
      await quotaStore.close()
    },
  }
}

/**
 * Just the usage ledger, for `llm-gateway usage`: like the key store, it can be read beside a
 * running gateway (the embedded quota file, which the gateway holds, is left alone).
 */
export function openUsageStore(config: GatewayConfig, log: Logger): { usageStore: UsageStore & AuditLog; ready(): Promise<void>; close(): Promise<void> } {
  if (config.store.redis_url) {
    const stores = openStores(config, log)
    return { usageStore: Object.assign(stores.usageStore, stores.auditLog), ready: () => stores.ready(), close: () => stores.close() }
  }
  mkdirSync(config.store.data_dir, { recursive: true })
  const usageStore = createSqliteUsageStore(openUsageDatabase(config.store.data_dir))
  return { usageStore, ready: async () => {}, close: () => usageStore.close() }
}

/**
 * Just the key store, for the `keys` commands. On the embedded store this leaves the quota file
 * alone: a running gateway holds it with an exclusive lock, and the commands must work beside it.
 */
export function openKeyStore(config: GatewayConfig, log: Logger): Pick<StoreParts, 'keyStore' | 'ready' | 'close'> {
  if (config.store.redis_url) return openStores(config, log)
  mkdirSync(config.store.data_dir, { recursive: true })
  const keyStore = createSqliteKeyStore({ dataDir: config.store.data_dir })
  return { keyStore, ready: async () => {}, close: () => keyStore.close() }
}
