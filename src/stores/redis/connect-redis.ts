// Opens an ioredis client (one server, a master found through Sentinel, or a Cluster) from a URL,
// tuned for a gateway that must answer quickly while Redis is down: no offline queue (a command
// fails at once instead of waiting for a reconnection), short connect and command timeouts, and
// endless reconnection in the background so that service resumes by itself when Redis comes back.
// URL forms: see src/config/redis-url.ts.

import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { parseRedisUrl } from './parse-redis-url'

export interface ConnectRedisOptions {
  /** Connection errors (the client keeps retrying). Defaults to ignoring them: callers see failures on their commands. */
  onError?: (error: Error) => void
  /** Milliseconds to wait for a command's reply before failing it. */
  commandTimeoutMs?: number
}

const CONNECT_TIMEOUT_MS = 2_000
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000

// Reconnect quickly at first, then every second: a quota outage should end as soon as Redis is back.
function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1_000)
}

// A master that Sentinel has demoted answers writes with READONLY until it is told who the new
// master is; reconnecting asks the Sentinels again. The failed command is not sent again: the
// caller sees the failure, as with any other store error.
function reconnectOnReadOnly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false
}

export function connectRedis(url: string, options: ConnectRedisOptions = {}): Redis | Cluster {
  const plan = parseRedisUrl(url)
  const onError = options.onError ?? (() => {})
  const common: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  }

  switch (plan.kind) {
    case 'standalone':
    case 'sentinel': {
      const client = new Redis({
        ...common,
        ...plan.options,
        enableOfflineQueue: false,
        enableAutoPipelining: false,
        retryStrategy: reconnectDelay,
        reconnectOnError: reconnectOnReadOnly,
        ...(plan.kind === 'sentinel'
          ? {
              sentinelRetryStrategy: reconnectDelay,
              sentinelReconnectStrategy: reconnectDelay,
              sentinelCommandTimeout: CONNECT_TIMEOUT_MS,
              // Sentinel announces a failover on its +switch-master channel: leave the old master at
              // once instead of when its connection happens to break.
              failoverDetector: true,
            }
          : {}),
      })
      client.on('error', onError)
      return client
    }
    case 'cluster': {
      const cluster = new Cluster(plan.nodes, {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: reconnectDelay,
        // ioredis does not reconnect a lost node by default; without this a restarted master stays
        // unreachable until a MOVED reply happens to refresh the topology.
        clusterNodeRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
        // A command for a slot whose master is down is retried retryDelayOnFailover apart, up to
        // maxRedirections times: 6 x 50 ms keeps a failing admission under a second (the defaults
        // take 1.6 s) and still rides out MOVED/ASK during resharding.
        retryDelayOnFailover: 50,
        maxRedirections: 6,
        // TLS certificates name hosts, not the IPs the cluster announces: keep names as given.
        ...(plan.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
        redisOptions: { ...common, ...plan.nodeOptions },
      })
      cluster.on('error', onError)
      cluster.on('node error', onError)
      return cluster
    }
    default: {
      const never_: never = plan
      throw new Error(`unknown Redis client plan ${String((never_ as { kind: string }).kind)}`)
    }
  }
}

/**
 * With the offline queue off, a command sent before the client's first connection completes fails
 * at once: a gateway's first requests would fail while it connects. What this returns gives a
 * promise to wait on (bounded by `waitMs`) until that first connection only, and undefined once
 * the client has been ready: never a wait during a later outage, where failing at once is right.
 */
export function firstConnectionWait(client: Redis | Cluster, waitMs: number): () => Promise<void> | undefined {
  let everReady = client.status === 'ready'
  let waiting: Promise<void> | undefined
  return () => {
    if (everReady || client.status === 'ready' || client.status === 'end') {
      everReady = true
      return undefined
    }
    waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        client.off('ready', done)
        everReady = true
        resolve()
      }
      const timer = setTimeout(done, waitMs)
      client.once('ready', done)
    })
    return waiting
  }
}

export interface RedisWatchOptions {
  /** How often the client's state is looked at. */
  intervalMs?: number
  /** How long a client may be other than ready before its connection is rebuilt. */
  notReadyMs?: number
  log?: (message: string, fields: Record<string, unknown>) => void
}

/**
 * Keeps a client connected for as long as its owner has not closed it: a client that has ended
 * (ioredis stops reconnecting in some states, and then nothing would ever bring the store back)
 * is connected again, and one that has not been ready for `notReadyMs` (stuck between
 * reconnections, or on a node that never finishes its handshake) is disconnected and reconnected,
 * which with Sentinel asks the Sentinels for the master afresh. Returns the function that stops
 * the watch; the owner calls it before closing the client.
 */
export function watchRedis(client: Redis | Cluster, options: RedisWatchOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 5_000
  const notReadyMs = options.notReadyMs ?? 30_000
  const log = options.log ?? (() => {})
  let notReadySince: number | null = null
  const timer = setInterval(() => {
    if (client.status === 'ready') {
      notReadySince = null
      return
    }
    const now = performance.now()
    notReadySince ??= now
    if (client.status === 'end') {
      notReadySince = now
      log('redis client had stopped reconnecting; connecting it again', { status: client.status })
      client.connect().catch(() => {})
    } else if (now - notReadySince >= notReadyMs) {
      notReadySince = now
      log('redis client not ready for too long; rebuilding its connection', { status: client.status, not_ready_ms: notReadyMs })
      client.disconnect(true)
    }
  }, intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
