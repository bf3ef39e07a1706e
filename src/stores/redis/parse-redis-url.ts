// Reads a Redis/Valkey URL into what ioredis needs, without opening a connection: one server, a
// master found through Sentinel, or a Cluster's seed nodes, with logins and TLS. The grammar (what
// an operator may write, and the messages for what is wrong) is the configuration's, in
// src/config/redis-url.ts, so that check-config refuses exactly what could not be connected to.
import type { RedisOptions } from 'ioredis'
import { readRedisUrl, type RedisNodeAddress } from '../../config/redis-url'

export type { RedisNodeAddress }

/** standalone and sentinel: one connection to one master (a server, or the one Sentinel names). */
export type RedisClientPlan =
  | { kind: 'standalone' | 'sentinel'; tls: boolean; options: RedisOptions }
  | { kind: 'cluster'; tls: boolean; nodes: RedisNodeAddress[]; nodeOptions: RedisOptions }

function login(username: string | undefined, password: string | undefined): RedisOptions {
  return { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) }
}

export function parseRedisUrl(url: string): RedisClientPlan {
  const parsed = readRedisUrl(url)
  const tls = parsed.tls
  switch (parsed.kind) {
    case 'standalone':
      return {
        kind: 'standalone',
        tls,
        options: { host: parsed.host, port: parsed.port, db: parsed.db, ...login(parsed.username, parsed.password), ...(tls ? { tls: {} } : {}) },
      }
    case 'sentinel':
      return {
        kind: 'sentinel',
        tls,
        options: {
          sentinels: parsed.sentinels,
          name: parsed.masterName,
          db: parsed.db,
          ...login(parsed.username, parsed.password),
          ...(parsed.sentinelUsername !== undefined ? { sentinelUsername: parsed.sentinelUsername } : {}),
          ...(parsed.sentinelPassword !== undefined ? { sentinelPassword: parsed.sentinelPassword } : {}),
          // One scheme for the whole deployment: TLS to the Sentinels and to the data nodes.
          ...(tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
        },
      }
    case 'cluster':
      return { kind: 'cluster', tls, nodes: parsed.nodes, nodeOptions: { ...login(parsed.username, parsed.password), ...(tls ? { tls: {} } : {}) } }
    default: {
      const never_: never = parsed
      throw new Error(`unknown Redis URL kind ${String((never_ as { kind: string }).kind)}`)
    }
  }
}
