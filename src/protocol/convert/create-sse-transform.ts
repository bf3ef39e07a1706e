// Bytes of one SSE stream in, bytes out, with a per-event handler in between. The handler is a
// plain synchronous state machine (the converters); this file only wires it to the existing SSE
// parser, whose events arrive through a pump so that chunk boundaries never show in the output.
import { createSSEParser } from '../sse/create-sse-parser'
import type { SSEEvent } from '../sse/sse-event'

export interface SSEHandler {
  /** Called for each parsed upstream event, in order. */
  event(event: SSEEvent): void
  /** Called once when the upstream ends cleanly, after the last event. */
  end(): void
  /** Ends the client stream with an error event; called if event() or end() threw (a bug). */
  fail(message: string): void
}

const INTERNAL_ERROR = 'the gateway could not translate the upstream stream'

export function createSSETransform(
  createHandler: (enqueue: (bytes: Uint8Array) => void) => SSEHandler,
): TransformStream<Uint8Array, Uint8Array> {
  const parser = createSSEParser()
  const writer = parser.writable.getWriter()
  const reader = parser.readable.getReader()
  let pump: Promise<void> = Promise.resolve()
  let handler: SSEHandler | undefined

  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      const h = createHandler((bytes) => controller.enqueue(bytes))
      handler = h
      pump = (async () => {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return
          safely(h, () => h.event(value))
        }
      })()
      // Surfaced in flush(); without this catch an early failure would be an unhandled rejection.
      pump.catch(() => {})
    },
    async transform(chunk) {
      await writer.write(chunk)
    },
    async flush() {
      await writer.close()
      await pump
      const h = handler
      if (h) safely(h, () => h.end())
    },
    cancel(reason: unknown) {
      void writer.abort(reason).catch(() => {})
    },
  } as Transformer<Uint8Array, Uint8Array>)
}

/** A converter bug must reach the client as an error event, never as a torn connection. */
function safely(handler: SSEHandler, fn: () => void) {
  try {
    fn()
  } catch {
    try {
      handler.fail(INTERNAL_ERROR)
    } catch {
      // Nothing more can be said on this stream.
    }
  }
}
