// The sign-in state (device grants, sessions, the shared secret) in Redis/Valkey, shared by every
// replica: a device code approved through one replica is redeemed on another, and a refresh token
// rotated on one is refused by all. A record is a hash {v, doc} with the record's lifetime as its
// TTL; a write is one Lua script that compares the version and writes (or deletes), so two
// replicas acting on one record at once cannot both succeed. Each script touches one key, so this
// works on a Redis Cluster too. Layout (prefix P):
//   P:device-grant:<id>   P:user-code:<code>   P:session:<id>   P:secret
import type { Cluster, Redis } from 'ioredis'
import type { SignInStore } from '../../auth/sessions/sign-in-store'
import { firstConnectionWait } from './connect-redis'

// ARGV: expected version (0 = absent), value ('' deletes, with a flag), ttl ms, delete flag.
const COMPARE_AND_SET = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return 0 end
if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'v', v + 1, 'doc', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

interface SignInCommands {
  llmgwSignInCas(key: string, expected: number, value: string, ttlMs: number, remove: string): Promise<number>
}

export function createRedisSignInStore(client: Redis | Cluster, options: { prefix?: string; startupWaitMs?: number } = {}): SignInStore {
  const prefix = options.prefix ?? 'llmgw:signin'
  client.defineCommand('llmgwSignInCas', { numberOfKeys: 1, lua: COMPARE_AND_SET })
  const commands = client as unknown as SignInCommands
  const firstConnection = firstConnectionWait(client, options.startupWaitMs ?? 2_000)
  const key = (kind: string, id: string) => `${prefix}:${kind}:${id}`

  return {
    async sharedSecret(candidate) {
      await firstConnection()
      await client.set(`${prefix}:secret`, candidate, 'NX')
      const secret = await client.get(`${prefix}:secret`)
      if (secret === null) throw new Error('the sign-in secret vanished from Redis')
      return secret
    },
    async get(kind, id) {
      await firstConnection()
      const [v, doc] = await client.hmget(key(kind, id), 'v', 'doc')
      return typeof v === 'string' && typeof doc === 'string' ? { version: Number(v), value: doc } : null
    },
    async put(kind, id, expectedVersion, value, ttlMs) {
      await firstConnection()
      const written = await commands.llmgwSignInCas(key(kind, id), expectedVersion, value ?? '', Math.max(1, Math.ceil(ttlMs)), value === null ? '1' : '0')
      return written === 1
    },
    // The client belongs to the quota and key stores opened with it.
    async close() {},
  }
}
