// What a caller asks the HTTP/1.1 client to send, and how its head is written on the wire. The
// client sets the headers that decide framing and connection reuse itself (host, connection,
// accept-encoding, content-length), so a caller's copies of them are dropped, and a name or value
// that could end its line (and smuggle in a header or a second request) is refused before anything
// is sent.
import { Http1Error } from './http1-error'

export interface Http1Request {
  method: 'POST'
  /** `host:port` as written in the URL (the Host header). */
  authority: string
  hostname: string
  port: number
  /** Path and query. */
  path: string
  headers: Record<string, string>
  body: string
  signal: AbortSignal | null
  /** The response head must arrive within this many ms of the request. */
  firstByteMs: number
  /** A new connection must be established within this many ms (reused ones are already); none when absent. */
  connectMs?: number
  /** The exchange fails after this many ms without a byte either way. */
  idleMs: number
}

/** Header names and values that could end the line they are written on are refused. */
const UNSAFE = /[\r\n\0]/

/** The request line and headers, ending with the empty line; `bodyBytes` is the body's length in bytes. */
export function serializeHead(req: Http1Request, bodyBytes: number): string {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.authority}\r\nconnection: keep-alive\r\naccept-encoding: identity\r\n`
  for (const name in req.headers) {
    const value = req.headers[name]!
    if (UNSAFE.test(name) || UNSAFE.test(value)) throw new Http1Error('protocol', 'EINVALIDHEADER', `header "${name.replace(UNSAFE, '')}" contains a line break`)
    const lower = name.toLowerCase()
    if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding' || lower === 'accept-encoding') continue
    head += `${name}: ${value}\r\n`
  }
  return `${head}content-length: ${bodyBytes}\r\n\r\n`
}
