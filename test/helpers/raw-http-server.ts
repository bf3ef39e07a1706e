// A fake upstream that speaks raw HTTP/1.1 on a TCP socket, so that each test can send exactly
// the bytes (framing, splits, early closes) a real server might. The tests of the HTTP/1.1 client
// write those bytes themselves, so no reply is built here; the framing pieces (SSE_HEAD, httpChunk)
// also serve fake-upstream.ts's connection-cutting upstream.
import type { Socket, TCPSocketListener } from 'bun'
import { type Http1Request, http1Request } from '../../src/upstream/http1'

export interface Received {
  head: string
  body: Buffer
  connection: number
}
export type Handler = (req: Received, socket: Socket<ConnState>, server: RawServer) => void | Promise<void>
export interface ConnState {
  id: number
  buffer: Buffer
}
export interface RawServer {
  port: number
  connections: number
  closed: number
  requests: Received[]
  listener: TCPSocketListener<ConnState>
}

const servers: RawServer[] = []

/** Stops every server rawServer() started (call after each test). */
export function stopRawServers(): void {
  for (const s of servers.splice(0)) s.listener.stop(true)
}

export function rawServer(handler: Handler): RawServer {
  const server = { connections: 0, closed: 0, requests: [] as Received[] } as RawServer
  server.listener = Bun.listen<ConnState>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { id: ++server.connections, buffer: Buffer.alloc(0) }
      },
      close() {
        server.closed++
      },
      data(socket, data) {
        const state = socket.data
        state.buffer = Buffer.concat([state.buffer, data])
        for (;;) {
          const end = state.buffer.indexOf('\r\n\r\n')
          if (end < 0) return
          const head = state.buffer.toString('latin1', 0, end)
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
          if (state.buffer.byteLength < end + 4 + length) return
          const req = { head, body: state.buffer.subarray(end + 4, end + 4 + length), connection: state.id }
          state.buffer = state.buffer.subarray(end + 4 + length)
          server.requests.push(req)
          void handler(req, socket, server)
        }
      },
    },
  })
  server.port = server.listener.port
  servers.push(server)
  return server
}


/** The head of a 200 answer carrying an event stream in the chunked transfer coding. */
export const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'

/** One chunk of the chunked transfer coding. */
export const httpChunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`

export const FLOOD_BYTES = 128 * 1024 * 1024

/**
 * Writes `payload` again and again, up to FLOOD_BYTES, for as long as the socket takes it, trying
 * again every millisecond when it does not: a client that does not push back takes everything.
 * `written` counts what the socket took.
 */
export function flood(socket: Socket<ConnState>, payload: string): { written: number } {
  const state = { written: 0 }
  const bytes = Buffer.from(payload)
  let rest = Buffer.alloc(0)
  const pump = () => {
    for (let i = 0; i < 64 && state.written < FLOOD_BYTES; i++) {
      const out = rest.byteLength > 0 ? rest : bytes
      const n = socket.write(out)
      if (n < 0) return // the socket is closed: stop
      state.written += n
      rest = out.subarray(n)
      if (rest.byteLength > 0) break
    }
    if (state.written < FLOOD_BYTES) setTimeout(pump, 1)
  }
  pump()
  return state
}

/**
 * Waits until a flood has stalled (nothing more taken for 200 ms) and returns what it wrote by
 * then; null when it never stalled within `ms` or wrote everything: nobody pushed back. Measured by
 * progress, not by a fixed wait, so a slow machine cannot make a missing backpressure look fine.
 */
export async function stalledAt(state: { written: number }, ms = 10_000): Promise<number | null> {
  const until = performance.now() + ms
  let last = -1
  let since = performance.now()
  while (performance.now() < until) {
    if (state.written !== last) {
      last = state.written
      since = performance.now()
    } else if (last > 0 && performance.now() - since >= 200) {
      return last < FLOOD_BYTES ? last : null
    }
    await Bun.sleep(10)
  }
  return null
}

/** A request through the gateway's HTTP/1.1 client to a raw server, with defaults a test can override. */
export function http1To(server: RawServer, over: Partial<Http1Request> = {}): Promise<Response> {
  return http1Request({
    method: 'POST',
    authority: `127.0.0.1:${server.port}`,
    hostname: '127.0.0.1',
    port: server.port,
    path: '/v1/messages',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: null,
    firstByteMs: 5_000,
    idleMs: 5_000,
    ...over,
  })
}
