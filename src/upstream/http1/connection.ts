// One TCP connection to an upstream origin and the one exchange it carries at a time: it writes
// the request, feeds the answer's bytes to a ResponseParser, resolves the caller's promise with a
// Response whose body streams as it arrives, and hands itself back to its origin's pool when the
// answer is complete and the connection can carry another. Around that: the exchange's deadlines
// (checked by the pool's shared timer, not a timer per exchange), the caller's abort signal,
// backpressure (the socket pauses while the body's reader does not keep up), and the keep-alive
// race (a reused connection found closed before any answer byte sends its request again, once, on
// a new connection: the server closed the idle connection as the request went out).
//
// It holds on to as little as it can while a stream is open: the request body is dropped once the
// head arrives, and the promise's reject function once the answer has begun.
import type { Socket } from 'bun'
import { Http1Error } from './http1-error'
import { type Http1Request, serializeHead } from './request'
import { type BodyFraming, type ResponseEvents, ResponseParser } from './response-parser'
import { type BodyConnection, StreamedBody } from './streamed-body'

/** What a connection needs from the pool of its origin (the pools and their timer: client.ts). */
export interface OriginPool {
  /** An exchange began on `conn`: the shared timer checks its deadlines until unwatch(). */
  watch(conn: Connection): void
  unwatch(conn: Connection): void
  /** Keeps an idle connection for the next request; false when the origin keeps enough already. */
  park(conn: Connection): boolean
  /** Forgets an idle connection (it closed, or is taken out of use). */
  unpark(conn: Connection): void
}

const handlers = {
  data(socket: Socket<Connection>, data: Buffer) {
    socket.data.onData(data)
  },
  drain(socket: Socket<Connection>) {
    socket.data.onDrain()
  },
  end(socket: Socket<Connection>) {
    socket.data.onClose(null)
  },
  close(socket: Socket<Connection>, error?: Error) {
    socket.data.onClose(error ?? null)
  },
  error(socket: Socket<Connection>, error: Error) {
    socket.data.onClose(error)
  },
  connectError(socket: Socket<Connection>, error: Error) {
    socket.data?.onConnectError(error)
  },
}

/** What an aborted request rejects with: the signal's reason, or the standard AbortError. */
export const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')

export class Connection implements ResponseEvents, BodyConnection {
  socket: Socket<Connection> | null = null
  closed = false
  /** Whether an earlier exchange used this connection (a closed one may just have been idle). */
  reused = false
  idleSince = 0
  // The current exchange.
  req: Http1Request | null = null
  resolve: ((response: Response) => void) | null = null
  reject: ((error: unknown) => void) | null = null
  retried = false
  started = 0
  lastActivity = 0
  receivedAny = false
  pendingWrite: Uint8Array | null = null
  onAbort: (() => void) | null = null
  /** One per connection, reset for each exchange; its events are this connection's methods. */
  private readonly parser = new ResponseParser(this)
  /** The body of the answer, while this exchange feeds it. */
  body: StreamedBody | null = null
  paused = false

  constructor(readonly pool: OriginPool) {}

  /** `retryOf` is when the first try of a request that is sent again began: its deadline stands. */
  start(req: Http1Request, resolve: (response: Response) => void, reject: (error: unknown) => void, retryOf?: number): void {
    this.req = req
    this.retried = retryOf !== undefined
    this.resolve = resolve
    this.reject = reject
    this.parser.reset()
    this.receivedAny = false
    this.body = null
    this.lastActivity = performance.now()
    this.started = retryOf ?? this.lastActivity
    this.pool.watch(this)
    const signal = req.signal
    if (signal) {
      this.onAbort = () => this.fail(abortReason(signal))
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    if (this.socket) this.write()
    else this.connect()
  }

  private connect(): void {
    const req = this.req!
    Bun.connect<Connection>({ hostname: req.hostname, port: req.port, data: this, socket: handlers }).then(
      (socket) => {
        if (this.closed) {
          socket.terminate()
          return
        }
        this.socket = socket
        socket.setNoDelay(true)
        this.write()
      },
      (error: unknown) => this.onConnectError(error as Error),
    )
  }

  private write(): void {
    const req = this.req!
    const socket = this.socket!
    let head: string
    let total: number
    try {
      const bodyBytes = Buffer.byteLength(req.body)
      head = serializeHead(req, bodyBytes)
      total = Buffer.byteLength(head) + bodyBytes
    } catch (error) {
      this.fail(error)
      return
    }
    const out = head + req.body
    const written = socket.write(out)
    if (written < total) this.pendingWrite = Buffer.from(out).subarray(Math.max(written, 0))
  }

  // ---- socket events ----

  onDrain(): void {
    if (!this.pendingWrite || !this.socket) return
    this.lastActivity = performance.now()
    const written = this.socket.write(this.pendingWrite)
    this.pendingWrite = written >= this.pendingWrite.byteLength ? null : this.pendingWrite.subarray(Math.max(written, 0))
  }

  onConnectError(error: Error): void {
    if (this.closed) return
    this.closed = true
    const code = (error as { code?: string }).code ?? 'ECONNREFUSED'
    this.failExchange(new Http1Error('connect', code, `connect failed (${code})`))
  }

  onData(data: Buffer): void {
    if (!this.req) {
      // Bytes on an idle connection: the server broke the protocol; this connection is done.
      this.destroy()
      return
    }
    this.lastActivity = performance.now()
    this.receivedAny = true
    try {
      // Bytes after a complete answer throw too: not a server this connection can be trusted with.
      this.parser.feed(data)
    } catch (error) {
      this.fail(error)
    }
  }

  onClose(error: Error | null): void {
    if (this.closed) return
    this.closed = true
    this.socket = null
    if (!this.req) {
      this.pool.unpark(this)
      return
    }
    try {
      if (this.parser.endOfInput()) return // the close ended a body framed by it
    } catch (e) {
      this.failExchange(e)
      return
    }
    // The keep-alive race: the server closed the idle connection as the request went out.
    if (this.reused && !this.receivedAny && !this.retried) {
      const { req, resolve, reject } = this
      this.detach()
      new Connection(this.pool).start(req!, resolve!, reject!, this.started)
      return
    }
    const code = (error as { code?: string } | null)?.code ?? 'ECONNRESET'
    this.failExchange(new Http1Error('closed', code, this.parser.phase === 'head' ? `connection closed before the response (${code})` : `connection closed mid-response (${code})`))
  }

  /** Called by the shared timer. */
  checkTimeouts(now: number): void {
    const req = this.req
    if (!req) return
    if (this.socket === null && req.connectMs !== undefined && now - this.started > req.connectMs) {
      // The connection is the endpoint's to make: a connect error, which another endpoint may take.
      this.fail(new Http1Error('connect', 'ETIMEDOUT', `connect timed out after ${req.connectMs} ms`))
    } else if (this.parser.phase === 'head' && now - this.started > req.firstByteMs) {
      this.fail(new Http1Error('first-byte-timeout', 'ETIMEDOUT', `no response within ${req.firstByteMs} ms`))
    } else if (!this.paused && now - this.lastActivity > req.idleMs) {
      this.fail(new Http1Error('idle-timeout', 'ETIMEDOUT', `no data for ${req.idleMs} ms`))
    }
  }

  // ---- the answer, as the parser reports it ----

  onHead(status: number, headers: Headers, framing: BodyFraming, contentEncoding: string): void {
    // The answer has begun, so the request will not be sent again: its body (hundreds of KB for a
    // Claude Code request) need not live as long as the stream does.
    this.req = { ...this.req!, body: '' }
    if (framing === 'none') {
      const resolve = this.resolve!
      this.resolve = null
      resolve(new Response(null, { status, headers }))
      return // onBodyEnd follows and releases the connection
    }
    // Every body is handed over as it arrives: the caller decides how much of it to read (an error
    // body is read up to 64 KB, then cancelled).
    const body = new StreamedBody(this)
    this.body = body
    let stream = body.stream!
    if (contentEncoding) {
      const format = contentEncoding === 'gzip' || contentEncoding === 'x-gzip' ? 'gzip' : contentEncoding === 'deflate' ? 'deflate' : null
      if (!format) throw new Http1Error('protocol', 'EENCODING', `unsupported content-encoding "${contentEncoding}"`)
      stream = stream.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
    } else {
      body.offerPush()
    }
    const resolve = this.resolve!
    this.resolve = null
    // From here failures go to the body. The promise's reject function would keep the promise, and
    // with it the Response and its stream, alive for as long as the stream runs.
    this.reject = null
    resolve(new Response(stream, { status, headers }))
  }

  onBody(bytes: Uint8Array): void {
    this.body?.push(bytes)
  }

  onBodyEnd(): void {
    const body = this.body
    this.body = null
    body?.end()
    this.release()
  }

  // ---- backpressure, for the body ----

  pause(): void {
    if (this.paused || !this.socket) return
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    if (!this.paused || !this.socket) return
    this.paused = false
    this.lastActivity = performance.now()
    this.socket.resume()
  }

  cancelBody(): void {
    this.body = null
    this.destroy()
    this.detach()
  }

  // ---- endings ----

  /** The exchange is over and the connection can carry another. */
  private release(): void {
    const socket = this.socket
    const reusable = this.parser.keepAlive && !this.closed && socket !== null && this.pendingWrite === null
    this.detach()
    if (!reusable) {
      this.destroy()
      return
    }
    // A socket paused for a slow reader must read again, or the next exchange never hears back.
    if (this.paused) {
      this.paused = false
      socket.resume()
    }
    this.reused = true
    this.idleSince = performance.now()
    if (!this.pool.park(this)) this.destroy()
  }

  /** Drops the current exchange's callbacks and bookkeeping. */
  private detach(): void {
    this.pool.unwatch(this)
    if (this.onAbort && this.req?.signal) this.req.signal.removeEventListener('abort', this.onAbort)
    this.onAbort = null
    this.req = null
    this.resolve = null
    this.reject = null
    this.pendingWrite = null
  }

  /** Fails the exchange and closes the connection. */
  private fail(error: unknown): void {
    this.failExchange(error)
    this.destroy()
  }

  private failExchange(error: unknown): void {
    if (!this.req) return
    if (this.resolve) this.reject?.(error)
    else if (this.body) {
      const body = this.body
      this.body = null
      body.fail(error)
    }
    this.parser.stop()
    this.detach()
  }

  /** Closes the connection, whether it carries an exchange or waits in the pool. */
  destroy(): void {
    this.pool.unpark(this)
    if (this.closed) return
    this.closed = true
    const socket = this.socket
    this.socket = null
    socket?.terminate()
  }
}
