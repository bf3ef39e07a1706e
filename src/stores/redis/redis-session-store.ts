// Console sessions on Redis/Valkey, so that a browser signed in on one replica is signed in on all:
// one string per session, P:<sha256 of the id>, expiring with the session.
import type { Cluster, Redis } from 'ioredis'
import type { SessionRecord, SessionStore } from '../../auth/session-store'
import { firstConnectionWait } from './connect-redis'

export function createRedisSessionStore(client: Redis | Cluster, options: { prefix?: string; now?: () => number } = {}): SessionStore {
  const prefix = options.prefix ?? 'llmgw:session'
  const now = options.now ?? Date.now
  const firstConnection = firstConnectionWait(client, 2_000)
  return {
    async put(idHash, record) {
      await firstConnection()
      await client.set(`${prefix}:${idHash}`, JSON.stringify(record), 'PX', Math.max(1, record.expiresAt - now()))
    },
    async get(idHash) {
      await firstConnection()
      const value = await client.get(`${prefix}:${idHash}`)
      return value ? (JSON.parse(value) as SessionRecord) : null
    },
    async delete(idHash) {
      await firstConnection()
      await client.del(`${prefix}:${idHash}`)
    },
    async close() {},
  }
}
