// Experiment (bench/PROFILE.md, "Second pass"): the minimal Bun proxy with its upstream `fetch`
// replaced by a keep-alive HTTP/1.1 client on Bun.connect, which stays on the JavaScript thread
// (Bun's fetch runs on its own HTTP thread). Content-length responses only, no errors, no TLS:
// a measurement of what such a client could save, not something to ship.
// Run: bun bench/experiments/js-thread-upstream-proxy.ts PORT UPSTREAM_PORT
const port = Number(Bun.argv[2]); const upHost = '127.0.0.1'; const upPort = Number(Bun.argv[3])
type Pending = { resolve: (r: { status: number; headers: string; body: Uint8Array }) => void }
class Conn {
  sock: any; buf = Buffer.alloc(0); waiting: Pending | null = null
  static async open() { const c = new Conn(); c.sock = await Bun.connect({ hostname: upHost, port: upPort, socket: { data: (_s, d) => c.onData(d), close: () => {}, error: () => {} } }); return c }
  onData(d: Uint8Array) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : Buffer.from(d)
    const he = this.buf.indexOf('\r\n\r\n'); if (he < 0) return
    const head = this.buf.toString('latin1', 0, he)
    const m = /content-length:\s*(\d+)/i.exec(head); const len = m ? Number(m[1]) : 0
    if (this.buf.length < he + 4 + len) return
    const body = this.buf.subarray(he + 4, he + 4 + len); this.buf = this.buf.subarray(he + 4 + len)
    const status = Number(head.slice(9, 12)); const w = this.waiting!; this.waiting = null; pool.push(this)
    w.resolve({ status, headers: head, body: new Uint8Array(body) })
  }
  request(path: string, body: string) { return new Promise<{ status: number; headers: string; body: Uint8Array }>((resolve) => { this.waiting = { resolve }; this.sock.write(`POST ${path} HTTP/1.1\r\nhost: ${upHost}:${upPort}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`) }) }
}
const pool: Conn[] = []
async function getConn() { return pool.pop() ?? (await Conn.open()) }
Bun.serve({ hostname: '127.0.0.1', port, async fetch(req) {
  if (req.method !== 'POST') return new Response('ok')
  const body = (await req.json()) as Record<string, unknown>; body.model = String(body.model)
  const c = await getConn(); const r = await c.request(new URL(req.url).pathname, JSON.stringify(body))
  return new Response(r.body, { status: r.status, headers: { 'content-type': 'application/json' } })
} })
process.on('SIGINT', () => process.exit(0))
