// The body of a streamed answer, handed over as it arrives and never collected whole. A reader
// either reads it as a standard ReadableStream, or (the relay) takes it as a push source: chunks
// pushed into a sink, which spares a promise and a read request per chunk, garbage that 1,000 open
// streams pile up. Either way a reader that does not keep up pauses the socket (backpressure), and
// chunks that arrive before anyone reads are held, a few at most.

/** Chunks held for a streamed body that nobody reads yet, before the socket stops reading. */
const STREAM_HIGH_WATER = 16

/** The connection feeding a streamed body, as the body sees it. */
export interface BodyConnection {
  /** Stops reading the socket until resume(). */
  pause(): void
  resume(): void
  /** The reader is gone: the connection closes (it cannot carry another exchange mid-body). */
  cancelBody(): void
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
 * The push interface behind a streamed body the HTTP/1.1 client returned, for a relay that would
 * rather not pay a promise and a read request per chunk; null for any other stream. Use one or the
 * other: a body that is read through a reader is not also pushed.
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
export class StreamedBody implements PushSource {
  /** Dropped once a push sink attaches: an open stream then keeps neither it nor its controller. */
  stream: ReadableStream<Uint8Array> | null
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null
  private held: Uint8Array[] = []
  /** How the body ended while nobody was reading yet: undefined = not ended, null = cleanly. */
  private ending: { error: unknown } | null | undefined = undefined
  sink: PushSink | null = null
  reading = false

  constructor(private conn: BodyConnection | null) {
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

  /**
   * Lets pushSourceOf(this.stream) find this body. Only for a stream handed over as it is: a body
   * piped through a decoder reaches its reader as other bytes than these.
   */
  offerPush(): void {
    pushSources.set(this.stream!, this)
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
    conn?.cancelBody()
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
