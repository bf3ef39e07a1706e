import { describe, expect, it } from 'bun:test'
import { Problems } from '../field-readers'
import { normalizeStore } from './store'

function store(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { store: normalizeStore(raw, p), problems: p.list }
}

describe('normalizeStore', () => {
  it('uses the embedded store without replica confirmation by default', () => {
    expect(store({})).toEqual({
      store: { redis_url: null, redis_wait_replicas: 0, redis_wait_timeout_ms: 500, data_dir: './data', lock_timeout_s: 30 },
      problems: [],
    })
  })

  it('accepts every URL form the Redis store connects with, valkey:// and rediss+cluster:// included', () => {
    for (const url of [
      'redis://r:6379/0',
      'rediss://r',
      'valkey://:pw@valkey.cache.svc:6379/0',
      'valkeys://valkey.cache.svc',
      'redis+cluster://a:1,b:2',
      'rediss+cluster://:pw@a:1,b:2',
      'redis+sentinel://:pw@s1:26379,s2:26379/mymaster?db=2&sentinel_password=x',
      'rediss+sentinel://s1/mymaster',
    ]) {
      expect({ url, problems: store({ redis_url: url }).problems }).toEqual({ url, problems: [] })
    }
  })

  it('refuses a URL serve could not connect with, without quoting its password', () => {
    const { problems } = store({ redis_url: 'redis+sentinel://:hunter2@s1:26379' })
    expect(problems).toEqual(['c.yaml: store.redis_url: Redis Sentinel URL names no master: add /<master name> after the Sentinels'])
    expect(store({ redis_url: 'memcached://:hunter2@m' }).problems.join()).not.toContain('hunter2')
  })

  it('reads the replica confirmation and refuses it where WAIT cannot vouch for a count', () => {
    expect(store({ redis_url: 'redis+sentinel://s1/m', redis_wait_replicas: 1, redis_wait_timeout_ms: '250' }).store).toMatchObject({ redis_wait_replicas: 1, redis_wait_timeout_ms: 250 })
    expect(store({ redis_wait_replicas: 1 }).problems).toEqual(['c.yaml: store.redis_wait_replicas: needs store.redis_url (the embedded store has no replicas)'])
    expect(store({ redis_url: 'redis+cluster://a:1', redis_wait_replicas: 1 }).problems).toEqual([
      'c.yaml: store.redis_wait_replicas: is not supported with redis+cluster:// (use a single server or redis+sentinel://)',
    ])
    expect(store({ redis_url: 'redis://r', redis_wait_replicas: -1, redis_wait_timeout_ms: 0 }).problems).toEqual([
      'c.yaml: store.redis_wait_replicas: must be an integer >= 0, got -1',
      'c.yaml: store.redis_wait_timeout_ms: must be an integer >= 1, got 0',
    ])
    expect(store({ redis_url: 'redis://r', redis_wait_timeout_ms: 60_000 }).problems).toEqual(['c.yaml: store.redis_wait_timeout_ms: must be at most 10000'])
  })
})
