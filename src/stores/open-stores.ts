// Opens the gateway's state from the configuration: the embedded SQLite store, or Redis/Valkey
// shared by every replica. Quota counts and gateway keys live in the same place.
import { mkdirSync } from 'node:fs'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createSqliteKeyStore } from './sqlite/sqlite-key-store'
import { createSqliteQuotaStore } from './sqlite/sqlite-quota-store'
import type { StoreParts } from './store-parts'

export type { StoreParts }

export function openStores(config: GatewayConfig, log: Logger, metrics?: GatewayMetrics): StoreParts {
  const redisUrl = config.store.redis_url
  if (redisUrl) {
    // Loaded only when Redis is configured: the client library alone costs ~15 MB of memory.
    const { openRedisStores } = require('./redis/open-redis-stores') as typeof import('./redis/open-redis-stores')
    return openRedisStores({ ...config.store, redis_url: redisUrl }, log, metrics)
  }
  mkdirSync(config.store.data_dir, { recursive: true })
  const quotaStore = createSqliteQuotaStore(config.store.data_dir, { lockTimeoutMs: config.store.lock_timeout_s * 1000 })
  const keyStore = createSqliteKeyStore({ dataDir: config.store.data_dir })
  return {
    keyStore,
    quotaStore,
    ready: async () => {},
    reached: () => true,
    async close() {
      await keyStore.close()
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
