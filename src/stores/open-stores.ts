// Opens the gateway's state from the configuration: the embedded SQLite store, or Redis/Valkey
// shared by every replica. Quota counts, per-user limits, gateway keys and sign-in state live in the same place.
import { mkdirSync } from 'node:fs'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createLocalLimitStore } from './sqlite/local-limit-store'
import { createSqliteKeyStore } from './sqlite/sqlite-key-store'
import { createSqliteQuotaStore } from './sqlite/sqlite-quota-store'
import { createSqliteSignInStore } from './sqlite/sqlite-sign-in-store'
import type { StoreParts } from './store-parts'

export type { StoreParts }

export function openStores(config: GatewayConfig, log: Logger, metrics?: GatewayMetrics): StoreParts {
  if (config.store.redis_url) {
    // Loaded only when Redis is configured: the client library alone costs ~15 MB of memory.
    const { openRedisStores } = require('./redis/open-redis-stores') as typeof import('./redis/open-redis-stores')
    return openRedisStores(config.store.redis_url, log, metrics)
  }
  mkdirSync(config.store.data_dir, { recursive: true })
  const quotaStore = createSqliteQuotaStore(config.store.data_dir, { lockTimeoutMs: config.store.lock_timeout_s * 1000 })
  const keyStore = createSqliteKeyStore({ dataDir: config.store.data_dir })
  const limitStore = createLocalLimitStore()
  const signInStore = createSqliteSignInStore({ dataDir: config.store.data_dir })
  return {
    keyStore,
    quotaStore,
    limitStore,
    signInStore,
    ready: async () => {},
    reached: () => true,
    async close() {
      await limitStore.close()
      await keyStore.close()
      await signInStore.close()
      await quotaStore.close()
    },
  }
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
