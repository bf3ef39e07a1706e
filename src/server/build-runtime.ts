// Builds the stateful parts of the gateway from its configuration: the store (embedded SQLite or
// Redis/Valkey, shared by quota and keys), the quota service and the authenticator. main.ts and
// end-to-end tests use it; unit tests build the app with their own parts instead.
import { mkdirSync } from 'node:fs'
import { createAuthenticator } from '../auth/create-authenticator'
import type { KeyStore } from '../auth/key-store'
import { createSqliteKeyStore } from '../stores/sqlite/sqlite-key-store'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createQuotaService, type QuotaService } from '../quota/quota-service'
import type { QuotaStore } from '../quota/quota-store'
import { createSqliteQuotaStore } from '../stores/sqlite/sqlite-quota-store'

export interface Runtime {
  stores: StoreParts
  keyStore: KeyStore
  quota: QuotaService
  authenticate: (headers: Headers) => Promise<import('../auth/identity').Identity>
  /** Stops this runtime's services but keeps the stores open (a config reload reuses them). */
  retire(): void
  close(): Promise<void>
}

export interface StoreParts {
  keyStore: KeyStore
  quotaStore: QuotaStore
  /** Resolves once the store answers (Redis connected), or rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>
  /** Whether the store has been reached since it was opened (the embedded one: always). */
  reached(): boolean
  close(): Promise<void>
}

/** Just the stores, for CLI commands such as `keys create` that need no server. */
export function openStores(config: GatewayConfig, log: Logger, metrics?: GatewayMetrics): StoreParts {
  if (config.store.redis_url) {
    // Loaded only when Redis is configured: the client library alone costs ~15 MB of memory.
    const { openRedisStores } = require('../stores/redis/open-redis-stores') as typeof import('../stores/redis/open-redis-stores')
    return openRedisStores(config.store.redis_url, log, metrics)
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

export function buildRuntime(config: GatewayConfig, log: Logger, metrics: GatewayMetrics, now?: () => Date, stores: StoreParts = openStores(config, log, metrics)): Runtime {
  const quota = createQuotaService({
    store: stores.quotaStore,
    timeZone: config.quota.timezone,
    onStoreError: config.quota.on_store_error,
    reached: stores.reached,
    ...(now ? { now } : {}),
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') metrics.storeErrors.inc({ store: config.store.redis_url ? 'redis' : 'sqlite' })
      log[level](msg, fields)
    },
  })
  const kc = config.auth.keycloak
  const authenticator = createAuthenticator({
    providers: config.auth.providers,
    staticKeys: config.auth.keys,
    keyStore: stores.keyStore,
    ...(kc && config.auth.providers.includes('keycloak')
      ? {
          keycloak: {
            issuer: kc.issuer,
            ...(kc.audience ? { audience: kc.audience } : {}),
            tierClaim: kc.tier_claim,
            tierMap: kc.tier_map,
            defaultTier: kc.default_tier,
            tierOrder: Object.keys(config.tiers),
          },
        }
      : {}),
  })
  return {
    stores,
    keyStore: stores.keyStore,
    quota,
    authenticate: (headers) => authenticator.authenticate(headers),
    retire: () => {
      void quota.flush().finally(() => quota.close())
    },
    async close() {
      await quota.flush()
      quota.close()
      await stores.close()
    },
  }
}
