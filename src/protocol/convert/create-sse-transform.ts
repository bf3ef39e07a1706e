// Bytes of one SSE stream in, bytes out, with a per-event handler in between. The handler is a
// plain synchronous state machine (the converters); this file feeds it the events that each input
// chunk completes (chunk boundaries never show in the output) and sends what it wrote as one chunk:
// the handler writes SSE text, encoded once per input chunk.
import type { ChunkTransform } from '../chunk-transform'
import { SSEDecoder } from '../sse/sse-decoder'
import type { SSEEvent } from '../sse/sse-event'
import type { TokenUsage } from '../usage'

export interface SSEHandler {
  /** Called for each parsed upstream event, in order. */
  event(event: SSEEvent): void
  /** Called once when the upstream ends cleanly, after the last event. */
  end(): void
  /** Ends the client stream with an error event; called if event() or end() threw (a bug). */
  fail(message: string): void
  /** See ChunkTransform.usageSoFar. */
  usageSoFar?(): TokenUsage | null
}

const INTERNAL_ERROR = 'the gateway could not translate the upstream stream'

const encoder = new TextEncoder()

/**
 * `endsBrokenStreams`: the handler also writes the end of a stream whose upstream broke off
 * (ChunkTransform.fail), instead of the relay's plain error event.
 */
export function createSSETransform(createHandler: (enqueue: (sseText: string) => void) => SSEHandler, options: { endsBrokenStreams?: boolean } = {}): ChunkTransform {
  const decoder = new SSEDecoder()
  // What the handler writes while one input chunk is handled, sent on as a single chunk.
  let pending = ''
  const handler = createHandler((text) => {
    pending += text
  })

  function send(): Uint8Array | null {
    if (pending === '') return null
    const out = encoder.encode(pending)
    pending = ''
    return out
  }

  const transform: ChunkTransform = {
    push(chunk) {
      for (const event of decoder.push(chunk)) safely(handler, () => handler.event(event))
      return send()
    },
    end() {
      for (const event of decoder.end()) safely(handler, () => handler.event(event))
      safely(handler, () => handler.end())
      return send()
    },
    usageSoFar: () => handler.usageSoFar?.() ?? null,
  }
  if (options.endsBrokenStreams) {
    transform.fail = (message) => {
      safely(handler, () => handler.fail(message))
      return send()
    }
  }
  return transform
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
