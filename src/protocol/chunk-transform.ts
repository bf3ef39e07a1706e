// A synchronous bytes-in, bytes-out stream transform. The relay calls it directly on each upstream
// chunk (one read, one write per chunk, no stream in between); tests and other callers can wrap it
// in a TransformStream.
import type { TokenUsage } from './usage'

export interface ChunkTransform {
  /** The bytes to send for one upstream chunk; null when there is nothing to send yet. */
  push(chunk: Uint8Array): Uint8Array | null
  /** The bytes to send once the upstream has ended cleanly; null when there are none. */
  end(): Uint8Array | null
  /**
   * What the answer has cost so far, for a stream that ends before its usage was reported (the
   * client went away, the upstream broke): the usage reported until then, the output estimated
   * from what was sent (see ./delivered-tokens.ts). Null when nothing was sent.
   */
  usageSoFar?(): TokenUsage | null
  /**
   * The bytes that end the stream when the upstream broke off mid-way, for a transform that ends
   * it in its own terms (the ids and counts it keeps); without it the relay sends the client
   * format's plain error event.
   */
  fail?(message: string): Uint8Array | null
}

export function toTransformStream(t: ChunkTransform): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const out = t.push(chunk)
      if (out !== null) controller.enqueue(out)
    },
    flush(controller) {
      const out = t.end()
      if (out !== null) controller.enqueue(out)
    },
  })
}
