import { describe, expect, it } from 'bun:test'
import { parseRedisUrl } from './parse-redis-url'

describe('parseRedisUrl', () => {
  it('passes standalone URLs through to ioredis, noting TLS', () => {
    expect(parseRedisUrl('redis://:secret@redis:6379/2')).toEqual({ kind: 'standalone', url: 'redis://:secret@redis:6379/2', tls: false })
    expect(parseRedisUrl('rediss://cache.example:6380')).toMatchObject({ kind: 'standalone', tls: true })
  })

  it('reads the seed nodes and credentials of a cluster URL', () => {
    expect(parseRedisUrl('redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
      username: 'app',
      password: 'p@ss',
    })
    expect(parseRedisUrl('rediss+cluster://:pw@a:1')).toMatchObject({ tls: true, username: undefined, password: 'pw' })
  })

  it('rejects other schemes and malformed nodes without echoing the URL', () => {
    expect(() => parseRedisUrl('http://user:hunter2@host')).toThrow('unsupported Redis URL scheme "http:"')
    expect(() => parseRedisUrl('redis+cluster://:hunter2@a:99999')).toThrow('invalid port')
    expect(() => parseRedisUrl('redis+cluster://:hunter2@')).toThrow('lists no nodes')
    for (const bad of ['http://user:hunter2@host', 'redis+cluster://:hunter2@a:x', 'hunter2']) {
      let message = ''
      try {
        parseRedisUrl(bad)
      } catch (error) {
        message = String(error)
      }
      expect(message).toStartWith('Error: ')
      expect(message).not.toContain('hunter2')
    }
  })
})
