// Parses a byte stream of Server-Sent Events into SSEEvent objects (see SSEDecoder).
import { SSEDecoder } from './sse-decoder'
import type { SSEEvent } from './sse-event'

export function createSSEParser(): TransformStream<Uint8Array, SSEEvent> {
  const decoder = new SSEDecoder()
  return new TransformStream<Uint8Array, SSEEvent>({
    transform(chunk, controller) {
      for (const event of decoder.push(chunk)) controller.enqueue(event)
    },
    flush(controller) {
      for (const event of decoder.end()) controller.enqueue(event)
    },
  })
}
