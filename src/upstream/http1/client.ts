// Sends one request to a plain-HTTP upstream and answers with a standard Response, reusing kept-alive
// connections. The pools live here: idle connections kept per origin and reused most recent first,
// until the server closes them or they sit idle for IDLE_CONNECTION_MS; and one timer shared by
// every connection, which checks the deadlines of the exchanges under way and closes stale idle
// connections. A timer per exchange would cost an object per open stream; this one stops when
// there is nothing left to watch.
import { abortReason, Connection, type OriginPool } from './connection'
import type { Http1Request } from './request'

/** Idle connections older than this are closed (servers commonly close theirs after 5 s). */
const IDLE_CONNECTION_MS = 4_000
const MAX_IDLE_PER_ORIGIN = 256
const SWEEP_MS = 100

/** Connections carrying an exchange, whose deadlines the timer checks. */
const active = new Set<Connection>()
let sweeper: ReturnType<typeof setInterval> | null = null

/** The idle connections of one origin (`host:port`). */
class Origin implements OriginPool {
  /** In the order they became idle: the oldest first, the next to reuse last. */
  readonly idle: Connection[] = []

  watch(conn: Connection): void {
    active.add(conn)
    sweeper ??= setInterval(sweep, SWEEP_MS)
    sweeper.unref?.()
  }

  unwatch(conn: Connection): void {
    active.delete(conn)
  }

  park(conn: Connection): boolean {
    if (this.idle.length >= MAX_IDLE_PER_ORIGIN) return false
    this.idle.push(conn)
    return true
  }

  unpark(conn: Connection): void {
    const at = this.idle.indexOf(conn)
    if (at >= 0) this.idle.splice(at, 1)
  }
}

const origins = new Map<string, Origin>()

function originOf(hostname: string, port: number): Origin {
  const key = `${hostname}:${port}`
  let origin = origins.get(key)
  if (!origin) {
    origin = new Origin()
    origins.set(key, origin)
  }
  return origin
}

function sweep(): void {
  const now = performance.now()
  for (const conn of active) conn.checkTimeouts(now)
  for (const origin of origins.values()) {
    const idle = origin.idle
    // Oldest first: the list is in the order connections became idle.
    while (idle.length > 0 && now - idle[0]!.idleSince > IDLE_CONNECTION_MS) idle[0]!.destroy()
  }
  if (active.size === 0 && [...origins.values()].every((o) => o.idle.length === 0) && sweeper) {
    clearInterval(sweeper)
    sweeper = null
  }
}

/** Sends one request; resolves with the response once its head has arrived. */
export function http1Request(req: Http1Request): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(abortReason(req.signal))
      return
    }
    const origin = originOf(req.hostname, req.port)
    let conn = origin.idle.pop()
    while (conn && conn.closed) conn = origin.idle.pop()
    if (!conn) conn = new Connection(origin)
    conn.start(req, resolve, reject)
  })
}

/** Idle connections kept for an origin (tests). */
export function http1IdleConnections(hostname: string, port: number): number {
  return origins.get(`${hostname}:${port}`)?.idle.length ?? 0
}

/** Closes every idle connection (tests). */
export function closeIdleHttp1Connections(): void {
  for (const origin of origins.values()) for (const conn of [...origin.idle]) conn.destroy()
}
