// Pieces the fake upstreams share: an SSE response that sends prepared events one by one (paced
// when asked, and noticing a client that goes away), and a text cut into a few pieces for deltas.
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

export function splitText(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts))
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}
