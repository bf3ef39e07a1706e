import { describe, expect, it } from 'bun:test'
import { parseRedisUrl } from './parse-redis-url'

describe('parseRedisUrl (ioredis options)', () => {
  it('gives one server its address, database, login and TLS', () => {
    expect(parseRedisUrl('redis://:secret@redis:6379/2')).toEqual({ kind: 'standalone', tls: false, options: { host: 'redis', port: 6379, db: 2, password: 'secret' } })
    expect(parseRedisUrl('valkeys://cache.example:6380')).toEqual({ kind: 'standalone', tls: true, options: { host: 'cache.example', port: 6380, db: 0, tls: {} } })
  })

  it('gives a Sentinel URL the Sentinels, the master name and both logins, and TLS to both kinds of node', () => {
    expect(parseRedisUrl('rediss+sentinel://app:data@s1:26379,s2:26380/mymaster?db=1&sentinel_password=sent')).toEqual({
      kind: 'sentinel',
      tls: true,
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'mymaster',
        db: 1,
        username: 'app',
        password: 'data',
        sentinelPassword: 'sent',
        tls: {},
        enableTLSForSentinelMode: true,
        sentinelTLS: {},
      },
    })
    expect(parseRedisUrl('redis+sentinel://s1/mymaster')).toEqual({ kind: 'sentinel', tls: false, options: { sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster', db: 0 } })
  })

  it('gives a cluster URL its seed nodes and the login every node uses', () => {
    expect(parseRedisUrl('rediss+cluster://:pw@a:1,b:2')).toEqual({
      kind: 'cluster',
      tls: true,
      nodes: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
      nodeOptions: { password: 'pw', tls: {} },
    })
  })

  it('refuses a URL the configuration would refuse, with the same message', () => {
    expect(() => parseRedisUrl('http://user:hunter2@host')).toThrow('unsupported Redis URL scheme "http:"')
  })
})
