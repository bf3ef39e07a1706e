// Relays a response body to the client chunk by chunk, never buffering it. Reports how the stream
// ended (for quota, metrics and drain), turns an upstream that breaks mid-stream into a final error
// event in the client's format instead of a torn connection, and can emit keep-alive bytes while the
// upstream is silent (Claude Code gives up after 300 s without a byte). The format work (passthrough
// rewrite or translation) runs as a synchronous chunk transform inside the relay's own read, so a
// chunk costs one read and one write, with no stream in between. A body from the gateway's own
// HTTP/1.1 client is not even read: its chunks are pushed into the relay as they arrive, which
// spares a promise and a read request per chunk (garbage that 1,000 open streams pile up).
import type { ChunkTransform } from '../protocol/chunk-transform'
import { type PushSource, pushSourceOf } from './http1-client'

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

export function relayStream(source: ReadableStream<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  const push = pushSourceOf(source)
  if (push) return relayPushed(push, options)
  const reader = source.getReader()
  const transform = options.transform
  let ended = false
  let lastSent = performance.now()
  // One timer per stream, checking how long the stream has been silent.
  let keepAlive: ReturnType<typeof setInterval> | undefined
  const end = (outcome: StreamOutcome) => {
    if (ended) return
    ended = true
    if (keepAlive) clearInterval(keepAlive)
    options.onEnd(outcome)
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const ka = options.keepAlive
      if (!ka) return
      keepAlive = setInterval(() => {
        if (ended || performance.now() - lastSent < ka.everyMs) return
        lastSent = performance.now()
        controller.enqueue(ka.bytes)
      }, Math.max(1, Math.floor(ka.everyMs / 2)))
    },
    async pull(controller) {
      try {
        // A chunk the transform holds back (an event not complete yet) sends nothing: read on.
        for (;;) {
          const { done, value } = await reader.read()
          if (done) {
            const last = transform ? transform.end() : null
            if (last !== null) controller.enqueue(last)
            end('complete')
            controller.close()
            return
          }
          const out = transform ? transform.push(value) : value
          if (out === null || out.byteLength === 0) continue
          options.onFirstChunk?.()
          lastSent = performance.now()
          controller.enqueue(out)
          return
        }
      } catch (error) {
        if (ended) return
        end('error')
        controller.enqueue(options.errorEvent(failureMessage(error)))
        controller.close()
        // Releases the upstream connection if the failure was ours (a transform), not the network's.
        reader.cancel().catch(() => {})
      }
    },
    cancel(reason) {
      end('cancelled')
      return reader.cancel(reason).catch(() => {})
    },
  })
}

/** The same relay, fed by pushes: no read per chunk; backpressure pauses the upstream socket. */
function relayPushed(source: PushSource, options: RelayOptions): ReadableStream<Uint8Array> {
  const transform = options.transform
  let ended = false
  let lastSent = performance.now()
  let keepAlive: ReturnType<typeof setInterval> | undefined
  const end = (outcome: StreamOutcome) => {
    if (ended) return
    ended = true
    if (keepAlive) clearInterval(keepAlive)
    options.onEnd(outcome)
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: unknown) => {
        if (ended) return
        end('error')
        controller.enqueue(options.errorEvent(failureMessage(error)))
        controller.close()
      }
      const ka = options.keepAlive
      if (ka) {
        keepAlive = setInterval(() => {
          if (ended || performance.now() - lastSent < ka.everyMs) return
          lastSent = performance.now()
          controller.enqueue(ka.bytes)
        }, Math.max(1, Math.floor(ka.everyMs / 2)))
      }
      source.attach({
        chunk(bytes) {
          if (ended) return
          let out: Uint8Array | null
          try {
            out = transform ? transform.push(bytes) : bytes
          } catch (error) {
            fail(error)
            source.cancel() // the failure is ours: release the upstream connection
            return
          }
          if (out === null || out.byteLength === 0) return
          options.onFirstChunk?.()
          lastSent = performance.now()
          controller.enqueue(out)
          if ((controller.desiredSize ?? 1) <= 0) source.pause()
        },
        end() {
          if (ended) return
          let last: Uint8Array | null
          try {
            last = transform ? transform.end() : null
          } catch (error) {
            fail(error)
            return
          }
          if (last !== null) controller.enqueue(last)
          end('complete')
          controller.close()
        },
        error: fail,
      })
    },
    pull() {
      source.resume()
    },
    cancel() {
      end('cancelled')
      source.cancel()
    },
  })
}
