// The Redis/Valkey stores (quota and keys on one client), opened when `store.redis_url` is set.
// A module of its own so that the embedded-store gateway never loads the Redis client.
import type { StoreConfig } from '../../config/config-types'
import { createRedisKeyStore } from './redis-key-store'
import type { Logger } from '../../logging/logger'
import type { GatewayMetrics } from '../../metrics/gateway-metrics'
import { connectRedis, firstConnectionWait } from './connect-redis'
import { createRedisQuotaStore } from './redis-quota-store'
import type { StoreParts } from '../store-parts'

// Commands wait this much longer than WAIT itself may take, so that a slow confirmation reads as
// too few replicas rather than as a timeout of the connection.
const COMMAND_TIMEOUT_MARGIN_MS = 1_500

export function openRedisStores(store: StoreConfig & { redis_url: string }, log: Logger, metrics?: GatewayMetrics): StoreParts {
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
  const quotaStore = createRedisQuotaStore(client, { waitReplicas: store.redis_wait_replicas, waitTimeoutMs: store.redis_wait_timeout_ms })
  const keyStore = createRedisKeyStore({ client, ownsClient: false })
  return {
    keyStore,
    quotaStore,
    async ready(timeoutMs = 5000) {
      await firstConnectionWait(client, timeoutMs)()
      if (!reached) throw new Error('the Redis store did not answer (is QUOTA_REDIS_URL right?)')
    },
    reached: () => reached,
    async close() {
      await keyStore.close()
      await quotaStore.close()
      client.disconnect()
    },
  }
}
