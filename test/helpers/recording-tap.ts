// A recording tap on loopback between a real client (Claude Code, Codex) and the gateway: it
// forwards every request unchanged (streams stream through, nothing is buffered on the way) and
// keeps a copy of what passed, so that a test can check the requests a client made, the statuses
// and headers it got, and every byte of the streams it read.
export interface Tapped {
  method: string
  path: string
  status: number
  headers: Headers
  /** The parsed JSON request body; null when there was none or it did not parse. */
  requestBody: Record<string, unknown> | null
  contentType: string
  /** The whole response body, once the client has read it. */
  responseText: Promise<string>
}

export interface RecordingTap {
  port: number
  tapped: Tapped[]
  stop(): void
}

/** `target()`: the base URL to forward to (asked per request, so the tap can start first). */
export function startRecordingTap(target: () => string): RecordingTap {
  const tapped: Tapped[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 120,
    async fetch(req) {
      const url = new URL(req.url)
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer()
      const headers = new Headers(req.headers)
      headers.delete('host')
      const res = await fetch(`${target()}${url.pathname}${url.search}`, { method: req.method, headers, body, decompress: false } as RequestInit)
      let requestBody: Record<string, unknown> | null = null
      try {
        requestBody = body ? (JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>) : null
      } catch {}
      let client: ReadableStream<Uint8Array> | null = res.body
      let responseText: Promise<string> = Promise.resolve('')
      if (res.body) {
        const [a, b] = res.body.tee()
        client = a
        responseText = new Response(b).text()
      }
      tapped.push({ method: req.method, path: url.pathname + url.search, status: res.status, headers: res.headers, requestBody, contentType: res.headers.get('content-type') ?? '', responseText })
      return new Response(req.method === 'HEAD' ? null : client, { status: res.status, headers: res.headers })
    },
  })
  return { port: server.port!, tapped, stop: () => server.stop(true) }
}
