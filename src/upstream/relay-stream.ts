// Relays a response body to the client chunk by chunk, never buffering it. Reports how the stream
// ended (for quota, metrics and drain), turns an upstream that breaks mid-stream into a final error
// event in the client's format instead of a torn connection, and can emit keep-alive bytes while the
// upstream is silent (Claude Code gives up after 300 s without a byte). The format work (passthrough
// rewrite or translation) runs as a synchronous chunk transform inside the relay's own read, so a
// chunk costs one read and one write, with no stream in between. A body from the gateway's own
// HTTP/1.1 client is not even read: its chunks are pushed into the relay as they arrive, which
// spares a promise and a read request per chunk (garbage that 1,000 open streams pile up).
import type { ChunkTransform } from '../protocol/chunk-transform'
import { type PushSource, pushSourceOf } from './http1'

export type StreamOutcome = 'complete' | 'error' | 'cancelled'

export interface RelayOptions {
  /** Bytes that tell the client the stream failed (an SSE error event in its format). */
  errorEvent: (message: string) => Uint8Array
  onEnd: (outcome: StreamOutcome) => void
  onFirstChunk?: () => void
  /** Bytes to send after `everyMs` of upstream silence, if any. */
  keepAlive?: { everyMs: number; bytes: Uint8Array }
  /** Applied to every upstream chunk, and once at the clean end; bytes pass as they are without one. */
  transform?: ChunkTransform
}

function failureMessage(error: unknown): string {
  return (error as Error)?.name === 'TimeoutError' ? 'The backend went silent and the stream timed out.' : 'The backend stream was interrupted.'
}

/**
 * Streams that send keep-alive bytes, checked by one interval per check period (in practice one
 * for all of them) rather than a timer per stream: a thousand open streams would hold a thousand.
 */
const keepAliveGroups = new Map<number, { timer: ReturnType<typeof setInterval>; relays: Set<RelayEnding> }>()

function watchKeepAlive(relay: RelayEnding, periodMs: number): void {
  let group = keepAliveGroups.get(periodMs)
  if (!group) {
    const relays = new Set<RelayEnding>()
    const timer = setInterval(() => {
      const now = performance.now()
      for (const r of relays) r.keepAliveDue(now)
    }, periodMs)
    timer.unref?.()
    group = { timer, relays }
    keepAliveGroups.set(periodMs, group)
  }
  group.relays.add(relay)
}

function unwatchKeepAlive(relay: RelayEnding, periodMs: number): void {
  const group = keepAliveGroups.get(periodMs)
  if (!group) return
  group.relays.delete(relay)
  if (group.relays.size === 0) {
    clearInterval(group.timer)
    keepAliveGroups.delete(periodMs)
  }
}

/**
 * What both ways of feeding the relay share: the stream ends once (and says how), keep-alive
 * bytes go out while the upstream is silent (checked by a shared interval at half the keep-alive
 * period), a failure becomes the error event in the client's format.
 */
class RelayEnding {
  ended = false
  private lastSent = performance.now()
  private readonly keepAlivePeriod: number | undefined

  constructor(
    private readonly options: RelayOptions,
    private readonly controller: ReadableStreamDefaultController<Uint8Array>,
  ) {
    const ka = options.keepAlive
    if (!ka) return
    this.keepAlivePeriod = Math.max(1, Math.floor(ka.everyMs / 2))
    watchKeepAlive(this, this.keepAlivePeriod)
  }

  /** Called by the shared interval: sends the keep-alive bytes after everyMs of silence. */
  keepAliveDue(now: number): void {
    const ka = this.options.keepAlive!
    if (this.ended || now - this.lastSent < ka.everyMs) return
    this.lastSent = now
    this.controller.enqueue(ka.bytes)
  }

  /** Sends a transformed chunk; false when there was nothing to send (the transform held it back). */
  send(out: Uint8Array | null): boolean {
    if (out === null || out.byteLength === 0) return false
    this.options.onFirstChunk?.()
    this.lastSent = performance.now()
    this.controller.enqueue(out)
    return true
  }

  complete(last: Uint8Array | null): void {
    if (this.ended) return
    if (last !== null) this.controller.enqueue(last)
    this.end('complete')
    this.controller.close()
  }

  fail(error: unknown): void {
    if (this.ended) return
    // The client went away and its abort reached the upstream body first: not the backend's failure.
    if ((error as Error)?.name === 'AbortError') {
      this.end('cancelled')
      try {
        this.controller.close()
      } catch {
        // Already closed by the client's own cancel.
      }
      return
    }
    this.end('error')
    const message = failureMessage(error)
    const last = this.options.transform?.fail ? this.options.transform.fail(message) : this.options.errorEvent(message)
    if (last !== null) this.controller.enqueue(last)
    this.controller.close()
  }

  end(outcome: StreamOutcome): void {
    if (this.ended) return
    this.ended = true
    if (this.keepAlivePeriod !== undefined) unwatchKeepAlive(this, this.keepAlivePeriod)
    this.options.onEnd(outcome)
  }
}

export function relayStream(source: ReadableStream<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  const push = pushSourceOf(source)
  if (push) return relayPushed(push, options)
  const reader = source.getReader()
  const transform = options.transform
  let relay!: RelayEnding
  return new ReadableStream<Uint8Array>({
    start(controller) {
      relay = new RelayEnding(options, controller)
    },
    async pull() {
      try {
        // A chunk the transform holds back (an event not complete yet) sends nothing: read on.
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return relay.complete(transform ? transform.end() : null)
          if (relay.send(transform ? transform.push(value) : value)) return
        }
      } catch (error) {
        if (relay.ended) return
        relay.fail(error)
        // Releases the upstream connection if the failure was ours (a transform), not the network's.
        reader.cancel().catch(() => {})
      }
    },
    cancel(reason) {
      relay.end('cancelled')
      return reader.cancel(reason).catch(() => {})
    },
  })
}

/** The same relay, fed by pushes: no read per chunk; backpressure pauses the upstream socket. */
function relayPushed(source: PushSource, options: RelayOptions): ReadableStream<Uint8Array> {
  const transform = options.transform
  let relay!: RelayEnding
  return new ReadableStream<Uint8Array>({
    start(controller) {
      relay = new RelayEnding(options, controller)
      source.attach({
        chunk(bytes) {
          if (relay.ended) return
          let out: Uint8Array | null
          try {
            out = transform ? transform.push(bytes) : bytes
          } catch (error) {
            relay.fail(error)
            source.cancel() // the failure is ours: release the upstream connection
            return
          }
          if (relay.send(out) && (controller.desiredSize ?? 1) <= 0) source.pause()
        },
        end() {
          if (relay.ended) return
          let last: Uint8Array | null
          try {
            last = transform ? transform.end() : null
          } catch (error) {
            relay.fail(error)
            return
          }
          relay.complete(last)
        },
        error: (error) => relay.fail(error),
      })
    },
    pull() {
      source.resume()
    },
    cancel() {
      relay.end('cancelled')
      source.cancel()
    },
  })
}
