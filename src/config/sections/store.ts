// The `store` section: where quota counters and issued keys live — Redis when redis_url is set,
// otherwise the embedded store in data_dir, which one process owns at a time. The URL is read with
// the grammar the Redis store connects with (redis-url.ts), so a URL check-config passes is one
// `serve` can use; its problems never quote the URL, which may hold a password.

import type { StoreConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { int, type Problems, type Raw, str } from '../field-readers'
import { readRedisUrl, type RedisUrl } from '../redis-url'

/** Longer than any replica should take to acknowledge; a WAIT holds up the connection's other commands meanwhile. */
const MAX_WAIT_TIMEOUT_MS = 10_000

export function normalizeStore(store: Raw, p: Problems): StoreConfig {
  const redisUrl = str(store, 'redis_url', 'store.redis_url', p, null)
  let parsed: RedisUrl | null = null
  if (redisUrl !== null) {
    try {
      parsed = readRedisUrl(redisUrl)
    } catch (error) {
      p.add('store.redis_url', (error as Error).message)
    }
  }
  const waitReplicas = int(store, 'redis_wait_replicas', 'store.redis_wait_replicas', p, DEFAULTS.store.redis_wait_replicas, 0)
  const waitTimeoutMs = int(store, 'redis_wait_timeout_ms', 'store.redis_wait_timeout_ms', p, DEFAULTS.store.redis_wait_timeout_ms, 1)
  if (waitTimeoutMs > MAX_WAIT_TIMEOUT_MS) p.add('store.redis_wait_timeout_ms', `must be at most ${MAX_WAIT_TIMEOUT_MS}`)
  if (waitReplicas > 0 && redisUrl === null) p.add('store.redis_wait_replicas', 'needs store.redis_url (the embedded store has no replicas)')
  if (waitReplicas > 0 && parsed?.kind === 'cluster') {
    p.add('store.redis_wait_replicas', 'is not supported with redis+cluster:// (use a single server or redis+sentinel://)')
  }
  return {
    redis_url: redisUrl,
    redis_wait_replicas: waitReplicas,
    redis_wait_timeout_ms: Math.min(waitTimeoutMs, MAX_WAIT_TIMEOUT_MS),
    data_dir: str(store, 'data_dir', 'store.data_dir', p, DEFAULTS.store.data_dir),
    lock_timeout_s: int(store, 'lock_timeout_s', 'store.lock_timeout_s', p, DEFAULTS.store.lock_timeout_s, 0),
  }
}
