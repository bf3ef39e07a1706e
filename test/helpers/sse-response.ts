// How the test fakes send a stream: prepared SSE events one by one, paced when asked, noticing a
// client that goes away. The benchmark's fake (bench/fake-upstream.ts) sends its streams its own
// way, as one precomputed write or paced direct writes, so that serving costs it next to nothing.
const encoder = new TextEncoder()

export function sseResponse(events: string[], options: { delayMs?: number; headers?: Record<string, string>; onCancel?: () => void } = {}): Response {
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      const e = events[i++]
      if (e === undefined) return c.close()
      if (i > 1 && options.delayMs) await Bun.sleep(options.delayMs)
      c.enqueue(encoder.encode(e))
    },
    cancel: options.onCancel,
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', ...options.headers } })
}
