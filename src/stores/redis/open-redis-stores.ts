// The Redis/Valkey stores (quota, limits, keys, sign-in, usage ledger and console sessions on one
// client), opened when `store.redis_url` is set.
// A module of its own so that the embedded-store gateway never loads the Redis client.
import type { StoreConfig } from '../../config/config-types'
import { createRedisKeyStore } from './redis-key-store'
import type { Logger } from '../../logging/logger'
import type { GatewayMetrics } from '../../metrics/gateway-metrics'
import { connectRedis, firstConnectionWait, watchRedis } from './connect-redis'
import { createRedisLimitStore } from './redis-limit-store'
import { createRedisQuotaStore } from './redis-quota-store'
import { createRedisSignInStore } from './redis-sign-in-store'
import { createRedisSessionStore } from './redis-session-store'
import { createRedisUsageStore } from './redis-usage-store'
import type { StoreParts } from '../store-parts'

// Commands wait this much longer than WAIT itself may take, so that a slow confirmation reads as
// too few replicas rather than as a timeout of the connection.
const COMMAND_TIMEOUT_MARGIN_MS = 1_500

export function openRedisStores(store: StoreConfig & { redis_url: string }, log: Logger, usage: { retentionDays: number }, metrics?: GatewayMetrics): StoreParts {
  const waiting = store.redis_wait_replicas > 0
  const client = connectRedis(store.redis_url, {
    onError: (error: Error) => {
      metrics?.storeErrors.inc({ store: 'redis' })
      log.warn('redis error', { error: error.message })
    },
    ...(waiting ? { commandTimeoutMs: Math.max(2_000, store.redis_wait_timeout_ms + COMMAND_TIMEOUT_MARGIN_MS) } : {}),
  })
  // Until the first connection, commands fail at once (no offline queue): the quota service
  // reads that as a store it cannot reach, for /ready too.
  let reached = client.status === 'ready'
  if (!reached) client.once('ready', () => (reached = true))
  const stopWatch = watchRedis(client, { log: (message, fields) => log.warn(message, fields) })
  const quotaStore = createRedisQuotaStore(client, { waitReplicas: store.redis_wait_replicas, waitTimeoutMs: store.redis_wait_timeout_ms })
  const keyStore = createRedisKeyStore({ client, ownsClient: false })
  const limitStore = createRedisLimitStore(client)
  const signInStore = createRedisSignInStore(client)
  const usageStore = createRedisUsageStore(client, { retentionDays: usage.retentionDays })
  return {
    keyStore,
    quotaStore,
    limitStore,
    signInStore,
    usageStore,
    auditLog: usageStore,
    sessionStore: createRedisSessionStore(client),
    async ready(timeoutMs = 5000) {
      await firstConnectionWait(client, timeoutMs)()
      if (!reached) throw new Error('the Redis store did not answer (is QUOTA_REDIS_URL right?)')
    },
    reached: () => reached,
    async close() {
      stopWatch()
      await limitStore.close()
      await keyStore.close()
      await quotaStore.close()
      client.disconnect()
    },
  }
}
