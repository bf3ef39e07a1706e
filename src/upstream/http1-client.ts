// A keep-alive HTTP/1.1 client for plain-HTTP upstreams (in-cluster vLLM, KServe, a local model
// server) that runs on the JavaScript thread and answers with a standard Response. The gateway
// sends its streamed requests through it (see callUpstream): Bun's fetch() keeps per-request
// buffers on its own HTTP thread and reports ~128 KB of extra memory per open response to the
// garbage collector, and 1,000 open streams took ~4-5 MB more RSS through fetch() than through
// this client (bench/PROFILE.md). Short requests stay on fetch(): there its HTTP thread takes work
// off the JavaScript thread, which is the gateway's bottleneck under load (measured: moving them
// here cost ~10 % throughput).
//
// What it does: one request at a time per connection, idle connections kept per origin and reused
// (most recent first) until the server closes them or they sit idle for KEEP_ALIVE_MS; bodies
// framed by content-length, chunked transfer coding or connection close, every one handed over
// as it arrives (never collected whole); 1xx answers skipped; gzip/deflate bodies decoded (it asks
// for identity, so only a server that ignores that sends them); backpressure (the socket stops
// reading while the consumer does not); a deadline for the
// response head and an idle limit for the whole exchange, checked by one shared timer. A request
// whose reused connection turns out to be closed before any response byte is sent again once on a
// new connection: the server closed an idle connection as the request was written, the usual
// keep-alive race. HTTPS and proxied upstreams stay on fetch().
import type { Socket } from 'bun'

type Http1ErrorKind = 'connect' | 'protocol' | 'closed' | 'first-byte-timeout' | 'idle-timeout'

/** A failure of the exchange; `code` names it for logs and error messages. */
export class Http1Error extends Error {
  constructor(
    readonly kind: Http1ErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message)
    // The relay tells a silent upstream from a broken one by this name, as it does for fetch().
    this.name = kind === 'idle-timeout' || kind === 'first-byte-timeout' ? 'TimeoutError' : 'Http1Error'
  }
}

export interface Http1Request {
  method: 'POST'
  /** `host:port` as written in the URL (the Host header). */
  authority: string
  hostname: string
  port: number
  /** Path and query. */
  path: string
  headers: Record<string, string>
  body: string
  signal: AbortSignal | null
  /** The response head must arrive within this many ms of the request. */
  firstByteMs: number
  /** The exchange fails after this many ms without a byte either way. */
  idleMs: number
}

/** Idle connections older than this are closed (servers commonly close theirs after 5 s). */
const IDLE_CONNECTION_MS = 4_000
const MAX_IDLE_PER_ORIGIN = 256
const MAX_HEAD_BYTES = 64 * 1024
const SWEEP_MS = 100
/** Chunks held for a streamed body that nobody reads yet, before the socket stops reading. */
const STREAM_HIGH_WATER = 16
const CRLF2 = Buffer.from('\r\n\r\n')

interface Origin {
  idle: Connection[]
}
const origins = new Map<string, Origin>()
const active = new Set<Connection>()
let sweeper: ReturnType<typeof setInterval> | null = null

function originOf(hostname: string, port: number): Origin {
  const key = `${hostname}:${port}`
  let origin = origins.get(key)
  if (!origin) {
    origin = { idle: [] }
    origins.set(key, origin)
  }
  return origin
}

/** Header names and values that could end the line they are written on are refused. */
const UNSAFE = /[\r\n\0]/

function serializeHead(req: Http1Request, bodyBytes: number): string {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.authority}\r\nconnection: keep-alive\r\naccept-encoding: identity\r\n`
  for (const name in req.headers) {
    const value = req.headers[name]!
    if (UNSAFE.test(name) || UNSAFE.test(value)) throw new Http1Error('protocol', 'EINVALIDHEADER', `header "${name.replace(UNSAFE, '')}" contains a line break`)
    const lower = name.toLowerCase()
    if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding' || lower === 'accept-encoding') continue
    head += `${name}: ${value}\r\n`
  }
  return `${head}content-length: ${bodyBytes}\r\n\r\n`
}

type Framing = 'length' | 'chunked' | 'close' | 'none'

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

/** One TCP connection to an origin, carrying one exchange at a time. */
class Connection {
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
  // Parser state.
  phase: 'head' | 'body' | 'done' = 'head'
  buffer: Buffer | null = null
  framing: Framing = 'none'
  remaining = 0
  chunkPhase: 'size' | 'data' | 'data-end' | 'trailer' = 'size'
  keepAlive = true
  status = 0
  headers: Headers | null = null
  encoding = ''
  /** The body of the answer, while this exchange feeds it. */
  body: StreamedBody | null = null
  paused = false

  constructor(readonly origin: Origin) {}

  connect(): void {
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

  /** `retryOf` is when the first try of a request that is sent again began: its deadline stands. */
  start(req: Http1Request, resolve: (response: Response) => void, reject: (error: unknown) => void, retryOf?: number): void {
    this.req = req
    this.retried = retryOf !== undefined
    this.resolve = resolve
    this.reject = reject
    this.phase = 'head'
    this.buffer = null
    this.receivedAny = false
    this.status = 0
    this.headers = null
    this.encoding = ''
    this.body = null
    this.keepAlive = true
    this.lastActivity = performance.now()
    this.started = retryOf ?? this.lastActivity
    active.add(this)
    sweeper ??= setInterval(sweep, SWEEP_MS)
    sweeper.unref?.()
    const signal = req.signal
    if (signal) {
      this.onAbort = () => this.fail(signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'))
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    if (this.socket) this.write()
    else this.connect()
  }

  write(): void {
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
      this.parse(data)
    } catch (error) {
      this.fail(error)
    }
  }

  onClose(error: Error | null): void {
    if (this.closed) return
    this.closed = true
    this.socket = null
    if (!this.req) {
      this.removeFromIdle()
      return
    }
    if (this.phase === 'body' && this.framing === 'close') {
      try {
        this.finishBody()
      } catch (e) {
        this.failExchange(e)
      }
      return
    }
    // The keep-alive race: the server closed the idle connection as the request went out.
    if (this.reused && !this.receivedAny && !this.retried) {
      const { req, resolve, reject } = this
      this.detach()
      new Connection(this.origin).start(req!, resolve!, reject!, this.started)
      return
    }
    const code = (error as { code?: string } | null)?.code ?? 'ECONNRESET'
    this.failExchange(new Http1Error('closed', code, this.phase === 'head' ? `connection closed before the response (${code})` : `connection closed mid-response (${code})`))
  }

  /** Called by the shared timer. */
  checkTimeouts(now: number): void {
    const req = this.req
    if (!req) return
    if (this.phase === 'head' && now - this.started > req.firstByteMs) {
      this.fail(new Http1Error('first-byte-timeout', 'ETIMEDOUT', `no response within ${req.firstByteMs} ms`))
    } else if (!this.paused && now - this.lastActivity > req.idleMs) {
      this.fail(new Http1Error('idle-timeout', 'ETIMEDOUT', `no data for ${req.idleMs} ms`))
    }
  }

  // ---- parsing ----

  private parse(data: Buffer): void {
    let input: Buffer = this.buffer ? Buffer.concat([this.buffer, data]) : data
    this.buffer = null
    while (input.byteLength > 0) {
      if (this.phase === 'head') {
        const end = input.indexOf(CRLF2)
        if (end < 0) {
          if (input.byteLength > MAX_HEAD_BYTES) throw new Http1Error('protocol', 'EHEADTOOLARGE', 'response head larger than 64 KB')
          this.buffer = input
          return
        }
        this.parseHead(input.toString('latin1', 0, end))
        input = input.subarray(end + 4)
        continue
      }
      if (this.phase === 'done') {
        // Bytes after a complete response: not a server this connection can be trusted with.
        this.destroy()
        return
      }
      input = this.parseBody(input)
    }
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n')
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!)
    if (!statusLine) throw new Http1Error('protocol', 'EBADSTATUS', 'invalid status line')
    const status = Number(statusLine[2])
    if (status > 599) throw new Http1Error('protocol', 'EBADSTATUS', 'invalid status code')
    if (status < 200) {
      if (status === 101) throw new Http1Error('protocol', 'EBADSTATUS', 'unexpected protocol switch')
      return // 100 Continue, 103 Early Hints: the real answer follows.
    }
    const headers = new Headers()
    let length = -1
    let chunked = false
    let keepAlive = statusLine[1] === '1'
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Http1Error('protocol', 'EBADHEADER', 'invalid header line')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      try {
        headers.append(name, value)
      } catch {
        throw new Http1Error('protocol', 'EBADHEADER', 'invalid header line')
      }
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) throw new Http1Error('protocol', 'EBADLENGTH', 'invalid content-length')
        length = Number(value)
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value)
        if (!chunked) keepAlive = false // some other coding, framed by close
      } else if (name === 'connection') {
        const v = value.toLowerCase()
        if (v.includes('close')) keepAlive = false
        else if (v.includes('keep-alive')) keepAlive = true
      } else if (name === 'content-encoding') {
        const v = value.toLowerCase()
        if (v !== 'identity') this.encoding = v
      }
    }
    this.status = status
    this.headers = headers
    this.keepAlive = keepAlive
    // The answer has begun, so the request will not be sent again: its body (hundreds of KB for a
    // Claude Code request) need not live as long as the stream does.
    this.req = { ...this.req!, body: '' }
    this.phase = 'body'
    if (status === 204 || status === 304) this.framing = 'none'
    else if (chunked) {
      this.framing = 'chunked'
      this.chunkPhase = 'size'
    } else if (length >= 0) {
      this.framing = length === 0 ? 'none' : 'length'
      this.remaining = length
    } else {
      this.framing = 'close'
      this.keepAlive = false
    }
    if (this.framing === 'none') {
      this.phase = 'done'
      const resolve = this.resolve!
      this.resolve = null
      resolve(new Response(null, { status, headers }))
      this.release()
      return
    }
    // Every body is handed over as it arrives: the caller decides how much of it to read (an error
    // body is read up to 64 KB, then cancelled).
    this.resolveBody()
  }

  /** Consumes body bytes; returns what is left of `input` after the body ended. */
  private parseBody(input: Buffer): Buffer {
    if (this.framing === 'close') {
      this.pushBody(input)
      return input.subarray(input.byteLength)
    }
    if (this.framing === 'length') {
      const take = Math.min(this.remaining, input.byteLength)
      this.pushBody(input.subarray(0, take))
      this.remaining -= take
      if (this.remaining === 0) this.finishBody()
      return input.subarray(take)
    }
    // chunked
    while (input.byteLength > 0 && this.phase === 'body') {
      if (this.chunkPhase === 'data') {
        const take = Math.min(this.remaining, input.byteLength)
        this.pushBody(input.subarray(0, take))
        this.remaining -= take
        input = input.subarray(take)
        if (this.remaining === 0) this.chunkPhase = 'data-end'
        continue
      }
      const eol = input.indexOf('\r\n')
      if (eol < 0) {
        if (input.byteLength > 4096) throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk framing')
        this.buffer = input
        return input.subarray(input.byteLength)
      }
      const line = input.toString('latin1', 0, eol)
      input = input.subarray(eol + 2)
      if (this.chunkPhase === 'data-end') {
        if (line !== '') throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk framing')
        this.chunkPhase = 'size'
      } else if (this.chunkPhase === 'size') {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)
        if (!size) throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk size')
        this.remaining = Number.parseInt(size[1]!, 16)
        this.chunkPhase = this.remaining === 0 ? 'trailer' : 'data'
      } else if (line === '') {
        this.finishBody() // the empty line after the trailers
      }
    }
    return input
  }

  private pushBody(bytes: Uint8Array): void {
    if (bytes.byteLength > 0) this.body?.push(bytes)
  }

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

  private resolveBody(): void {
    const body = new StreamedBody(this)
    this.body = body
    let stream = body.stream!
    if (this.encoding) {
      const format = this.encoding === 'gzip' || this.encoding === 'x-gzip' ? 'gzip' : this.encoding === 'deflate' ? 'deflate' : null
      if (!format) throw new Http1Error('protocol', 'EENCODING', `unsupported content-encoding "${this.encoding}"`)
      stream = stream.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
    } else {
      pushSources.set(stream, body)
    }
    const resolve = this.resolve!
    this.resolve = null
    const headers = this.headers!
    this.headers = null
    // From here failures go to the body. The promise's reject function would keep the promise, and
    // with it the Response and its stream, alive for as long as the stream runs.
    this.reject = null
    resolve(new Response(stream, { status: this.status, headers }))
  }

  private finishBody(): void {
    this.phase = 'done'
    const body = this.body
    this.body = null
    body?.end()
    this.release()
  }

  // ---- endings ----

  /** The exchange is over and the connection can carry another. */
  private release(): void {
    const socket = this.socket
    const reusable = this.keepAlive && !this.closed && socket !== null && this.pendingWrite === null && this.buffer === null
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
    const idle = this.origin.idle
    if (idle.length >= MAX_IDLE_PER_ORIGIN) {
      this.destroy()
      return
    }
    idle.push(this)
  }

  /** Drops the current exchange's callbacks and bookkeeping. */
  detach(): void {
    active.delete(this)
    if (this.onAbort && this.req?.signal) this.req.signal.removeEventListener('abort', this.onAbort)
    this.onAbort = null
    this.req = null
    this.resolve = null
    this.reject = null
    this.pendingWrite = null
  }

  /** Fails the exchange and closes the connection. */
  fail(error: unknown): void {
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
    this.phase = 'done'
    this.detach()
  }

  destroy(): void {
    this.removeFromIdle()
    if (this.closed) return
    this.closed = true
    const socket = this.socket
    this.socket = null
    socket?.terminate()
  }

  private removeFromIdle(): void {
    const idle = this.origin.idle
    const at = idle.indexOf(this)
    if (at >= 0) idle.splice(at, 1)
  }
}

/** What a push reader of a streamed body gets (see pushSourceOf). */
export interface PushSink {
  chunk(bytes: Uint8Array): void
  end(): void
  error(error: unknown): void
}

/** A streamed body read by pushing its chunks to a sink instead of through a reader. */
export interface PushSource {
  /** Delivers what arrived so far, then every chunk as it arrives. */
  attach(sink: PushSink): void
  /** Stops reading the socket until resume() (backpressure). */
  pause(): void
  resume(): void
  /** The reader is gone: closes the connection. */
  cancel(): void
}

const pushSources = new WeakMap<ReadableStream<Uint8Array>, StreamedBody>()

/**
 * The push interface behind a streamed body this client returned, for a relay that would rather
 * not pay a promise and a read request per chunk; null for any other stream. Use one or the other:
 * a body that is read through a reader is not also pushed.
 */
export function pushSourceOf(stream: ReadableStream<Uint8Array>): PushSource | null {
  const body = pushSources.get(stream)
  if (!body || body.reading || body.sink) return null
  return body
}

/**
 * The body of one streamed answer. Chunks that arrive before anyone reads are held (a few: the
 * socket pauses beyond that); then they go to a push sink or to the ReadableStream's reader.
 */
class StreamedBody implements PushSource {
  /** Dropped once a push sink attaches: an open stream then keeps neither it nor its controller. */
  stream: ReadableStream<Uint8Array> | null
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null
  private held: Uint8Array[] = []
  /** How the body ended while nobody was reading yet: undefined = not ended, null = cleanly. */
  private ending: { error: unknown } | null | undefined = undefined
  sink: PushSink | null = null
  reading = false

  constructor(private conn: Connection | null) {
    // highWaterMark 0: pull() means a reader asked, not the stream filling its queue.
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller
        },
        pull: () => {
          if (!this.reading) {
            this.reading = true
            this.flush()
          }
          this.resume()
        },
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    )
  }

  push(bytes: Uint8Array): void {
    if (this.sink) this.sink.chunk(bytes)
    else if (this.reading) {
      this.controller!.enqueue(bytes)
      if ((this.controller!.desiredSize ?? 0) < 0) this.pause()
    } else {
      this.held.push(bytes)
      if (this.held.length >= STREAM_HIGH_WATER) this.pause()
    }
  }

  end(): void {
    this.conn = null
    if (this.sink) this.sink.end()
    else if (this.reading) this.controller!.close()
    else this.ending = null
  }

  fail(error: unknown): void {
    this.conn = null
    if (this.sink) this.sink.error(error)
    else if (this.reading) {
      try {
        this.controller!.error(error)
      } catch {}
    } else this.ending = { error }
  }

  attach(sink: PushSink): void {
    this.sink = sink
    this.stream = null
    this.controller = null
    this.flush()
  }

  pause(): void {
    this.conn?.pause()
  }

  resume(): void {
    this.conn?.resume()
  }

  cancel(): void {
    const conn = this.conn
    this.conn = null
    this.held = []
    if (!conn) return
    conn.body = null
    conn.destroy()
    conn.detach()
  }

  /** Hands the held chunks, and a held ending, to whoever reads now. */
  private flush(): void {
    const held = this.held
    this.held = []
    for (const bytes of held) {
      if (this.sink) this.sink.chunk(bytes)
      else this.controller!.enqueue(bytes)
    }
    const ending = this.ending
    if (ending === undefined) {
      this.resume()
      return
    }
    this.ending = undefined
    if (this.sink) {
      if (ending === null) this.sink.end()
      else this.sink.error(ending.error)
    } else if (ending === null) this.controller!.close()
    else this.controller!.error(ending.error)
  }
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
      reject(req.signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'))
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
