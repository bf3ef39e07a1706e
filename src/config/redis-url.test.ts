import { describe, expect, it } from 'bun:test'
import { readRedisUrl } from './redis-url'

function messageOf(url: string): string {
  try {
    readRedisUrl(url)
  } catch (error) {
    return String(error)
  }
  return 'no error'
}

describe('readRedisUrl', () => {
  it('reads one server with its login, database and TLS', () => {
    expect(readRedisUrl('redis://:secret@redis:6380/2')).toEqual({ kind: 'standalone', tls: false, host: 'redis', port: 6380, db: 2, username: undefined, password: 'secret' })
    expect(readRedisUrl('rediss://app:p%40ss@cache.example')).toEqual({ kind: 'standalone', tls: true, host: 'cache.example', port: 6379, db: 0, username: 'app', password: 'p@ss' })
    expect(readRedisUrl('redis://[::1]:7000')).toMatchObject({ host: '::1', port: 7000 })
  })

  it('takes valkey:// and valkeys:// as the same as redis:// and rediss://, in every form', () => {
    expect(readRedisUrl('valkey://:pw@valkey.cache.svc:6379/0')).toEqual(readRedisUrl('redis://:pw@valkey.cache.svc:6379/0'))
    expect(readRedisUrl('valkeys://valkey.cache.svc')).toMatchObject({ kind: 'standalone', tls: true })
    expect(readRedisUrl('valkey+cluster://a:1,b:2')).toMatchObject({ kind: 'cluster', tls: false })
    expect(readRedisUrl('VALKEYS+SENTINEL://s1:26379/mymaster')).toMatchObject({ kind: 'sentinel', tls: true, masterName: 'mymaster' })
  })

  it('reads the seed nodes of a cluster URL, over TLS with rediss+cluster://', () => {
    expect(readRedisUrl('redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002')).toEqual({
      kind: 'cluster',
      tls: false,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss',
    })
    expect(readRedisUrl('rediss+cluster://:pw@a:1')).toMatchObject({ kind: 'cluster', tls: true, username: undefined, password: 'pw' })
  })

  it('reads a Sentinel URL: the Sentinels, the master name, the database and both logins', () => {
    expect(readRedisUrl('redis+sentinel://:data%2Fpw@s1:26380,s2,[fd00::3]:26381/my%20master?db=3&sentinel_password=sent%26pw&sentinel_username=watcher')).toEqual({
      kind: 'sentinel',
      tls: false,
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: 'fd00::3', port: 26381 },
      ],
      masterName: 'my master',
      db: 3,
      username: undefined,
      password: 'data/pw',
      sentinelUsername: 'watcher',
      sentinelPassword: 'sent&pw',
    })
    // No Sentinel login unless one is given: the data nodes' password is not sent to the Sentinels.
    expect(readRedisUrl('rediss+sentinel://:pw@s1:26379/mymaster')).toMatchObject({ tls: true, db: 0, password: 'pw', sentinelPassword: undefined, sentinelUsername: undefined })
  })

  it('keeps an unencoded "@" or "/" in a password, as generated passwords have them', () => {
    expect(readRedisUrl('redis://:a/b@c@redis:6379/1')).toMatchObject({ host: 'redis', password: 'a/b@c', db: 1 })
    expect(readRedisUrl('redis+sentinel://:x@y@s1/mymaster?sentinel_password=p@q')).toMatchObject({ password: 'x@y', sentinelPassword: 'p@q', masterName: 'mymaster' })
  })

  it('refuses what cannot be connected to, with a message that says what is wrong', () => {
    expect(messageOf('http://host')).toContain('unsupported Redis URL scheme "http:"')
    expect(messageOf('redis+cluster://:pw@a:99999')).toContain('invalid port')
    expect(messageOf('redis+cluster://:pw@')).toContain('lists no nodes')
    expect(messageOf('redis://host/abc')).toContain('database must be a whole number')
    expect(messageOf('redis://a:1,b:2')).toContain('use redis+cluster:// or redis+sentinel://')
    expect(messageOf('redis+sentinel://s1:26379')).toContain('names no master')
    expect(messageOf('redis+sentinel://s1:26379/')).toContain('names no master')
    expect(messageOf('redis+sentinel://s1/mymaster/2')).toContain('?db=N')
    expect(messageOf('redis+sentinel://s1/mymaster?db=x')).toContain('database must be a whole number')
    expect(messageOf('redis+sentinel://s1/mymaster?sentinel_pasword=x')).toContain('unknown query parameter "sentinel_pasword"')
    expect(messageOf('redis+sentinel:///mymaster')).toContain('lists no Sentinels')
    expect(messageOf('redis+cluster://a:1/3')).toContain('only database 0')
    expect(messageOf('redis://host?family=6')).toContain('unknown query parameter')
    expect(messageOf('redis')).toContain('must start with')
  })

  it('never repeats a password in a message', () => {
    const bad = [
      'http://user:hunter2@host',
      'redis+cluster://:hunter2@a:x',
      'hunter2',
      'redis://:hunter2@host/hunter2',
      'redis+sentinel://:hunter2@s1',
      'redis+sentinel://s1/m?sentinel_password=hunter2&sentinel_password=hunter2',
      'redis+sentinel://s1/m?hunter2=1',
      'redis://:hunter2%zz@host',
      'redis://:hunter2@host#x',
    ]
    for (const url of bad) {
      const message = messageOf(url)
      expect(message).toStartWith('Error: ')
      if (url !== 'redis+sentinel://s1/m?hunter2=1') expect(message).not.toContain('hunter2')
    }
  })
})
