// Relays a response body to the client chunk by chunk, never buffering it. Reports how the stream
// ended (for quota, metrics and drain), turns an upstream that breaks mid-stream into a final error
// event in the client's format instead of a torn connection, and can emit keep-alive bytes while the
// upstream is silent (Claude Code gives up after 300 s without a byte).

export type StreamOutcome = 'complete' | 'error' | 'cancelled'

export interface RelayOptions {
  /** Bytes that tell the client the stream failed (an SSE error event in its format). */
  errorEvent: (message: string) => Uint8Array
  onEnd: (outcome: StreamOutcome) => void
  onFirstChunk?: () => void
  /** Bytes to send after `keepAliveMs` of upstream silence, if any. */
  keepAlive?: { everyMs: number; bytes: Uint8Array }
}

export function relayStream(source: ReadableStream<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  let ended = false
  const end = (outcome: StreamOutcome) => {
    if (ended) return
    ended = true
    options.onEnd(outcome)
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setInterval> | undefined
      if (options.keepAlive) {
        const { everyMs, bytes } = options.keepAlive
        timer = setInterval(() => controller.enqueue(bytes), everyMs)
      }
      try {
        const { done, value } = await reader.read()
        if (done) {
          controller.close()
          end('complete')
        } else {
          options.onFirstChunk?.()
          controller.enqueue(value)
        }
      } catch (error) {
        if (ended) return
        const message = (error as Error)?.name === 'TimeoutError' ? 'The backend went silent and the stream timed out.' : 'The backend stream was interrupted.'
        controller.enqueue(options.errorEvent(message))
        controller.close()
        end('error')
      } finally {
        if (timer) clearInterval(timer)
      }
    },
    cancel(reason) {
      end('cancelled')
      return reader.cancel(reason).catch(() => {})
    },
  })
}
