// The Redis/Valkey stores (quota, keys, usage ledger and sessions on one client), opened when
// `store.redis_url` is set.
// A module of its own so that the embedded-store gateway never loads the Redis client.
import { createRedisKeyStore } from './redis-key-store'
import type { Logger } from '../../logging/logger'
import type { GatewayMetrics } from '../../metrics/gateway-metrics'
import { connectRedis, firstConnectionWait } from './connect-redis'
import { createRedisQuotaStore } from './redis-quota-store'
import { createRedisSessionStore } from './redis-session-store'
import { createRedisUsageStore } from './redis-usage-store'
import type { StoreParts } from '../store-parts'

export function openRedisStores(redisUrl: string, log: Logger, usage: { retentionDays: number }, metrics?: GatewayMetrics): StoreParts {
  const client = connectRedis(redisUrl, {
    onError: (error: Error) => {
      metrics?.storeErrors.inc({ store: 'redis' })
      log.warn('redis error', { error: error.message })
    },
  })
  // Until the first connection, commands fail at once (no offline queue): the quota service
  // reads that as a store it cannot reach, for /ready too.
  let reached = client.status === 'ready'
  if (!reached) client.once('ready', () => (reached = true))
  const quotaStore = createRedisQuotaStore(client)
  const keyStore = createRedisKeyStore({ client, ownsClient: false })
  const usageStore = createRedisUsageStore(client, { retentionDays: usage.retentionDays })
  return {
    keyStore,
    quotaStore,
    usageStore,
    auditLog: usageStore,
    sessionStore: createRedisSessionStore(client),
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
