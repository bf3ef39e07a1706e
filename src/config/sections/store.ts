// The `store` section: where quota counters and issued keys live — Redis when redis_url is set,
// otherwise the embedded store in data_dir, which one process owns at a time.

import type { StoreConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { int, type Problems, type Raw, str } from '../field-readers'

export function normalizeStore(store: Raw, p: Problems): StoreConfig {
  const redisUrl = str(store, 'redis_url', 'store.redis_url', p, null)
  if (redisUrl !== null && !/^(redis|rediss|redis\+cluster|valkey):\/\//.test(redisUrl)) {
    p.add('store.redis_url', 'must start with redis://, rediss:// or redis+cluster://')
  }
  return {
    redis_url: redisUrl,
    data_dir: str(store, 'data_dir', 'store.data_dir', p, DEFAULTS.store.data_dir),
    lock_timeout_s: int(store, 'lock_timeout_s', 'store.lock_timeout_s', p, DEFAULTS.store.lock_timeout_s, 0),
  }
}
