// A pure HTTP/1.1 response parser: fed the bytes of one connection as they arrive, it reports the
// final head, the body's bytes and the body's end through the callbacks it was built with. It
// knows nothing of sockets, timers or pools, so every framing rule can be tested with bytes alone;
// the connection that owns it decides what the events mean (resolve a Response, feed a stream,
// return the connection to its pool).
//
// Framing: content-length, the chunked transfer coding (extensions and trailers read and dropped),
// or the connection's close; 1xx heads are skipped; 204 and 304 have no body. Body bytes are handed
// over as views of the input, in the pieces they arrived in, never copied or collected: with one
// parser per connection and its callbacks fixed at construction, a chunk costs no allocation beyond
// those views (this parser carries every open stream to a plain-HTTP upstream). Anything that
// breaks the protocol throws an Http1Error of kind 'protocol'.
import { Http1Error } from './http1-error'

/** How the body of a response is delimited; 'none' = there is no body. */
export type BodyFraming = 'length' | 'chunked' | 'close' | 'none'

/** What a parser reports, in this order: one head, body bytes (if any), the end of the body. */
export interface ResponseEvents {
  /** The final head (1xx heads are skipped). With framing 'none', onBodyEnd follows at once. */
  onHead(status: number, headers: Headers, framing: BodyFraming, contentEncoding: string): void
  /** Bytes of the body, never empty: a view of the input, which the receiver may keep. */
  onBody(bytes: Uint8Array): void
  onBodyEnd(): void
}

/** A response head (status line and headers) may not be larger than this. */
export const MAX_HEAD_BYTES = 64 * 1024
/** Nor may a chunk-size line, a chunk's closing line or a trailer line. */
export const MAX_CHUNK_LINE_BYTES = 4096
const CRLF2 = Buffer.from('\r\n\r\n')
const EMPTY = Buffer.alloc(0)

export class ResponseParser {
  /** Where the response stands: still waiting for its final head, in its body, or complete. */
  phase: 'head' | 'body' | 'done' = 'head'
  framing: BodyFraming = 'none'
  /** Whether the connection may carry another exchange once this response is complete. */
  keepAlive = true
  /** Input not parsed yet: an incomplete head or chunk line. */
  private buffer: Buffer | null = null
  /** Body bytes still to come: of the whole body ('length') or of the current chunk. */
  private remaining = 0
  private chunkPhase: 'size' | 'data' | 'data-end' | 'trailer' = 'size'

  constructor(private readonly events: ResponseEvents) {}

  /** Makes the parser ready for the next response on the connection. */
  reset(): void {
    this.phase = 'head'
    this.framing = 'none'
    this.keepAlive = true
    this.buffer = null
    this.remaining = 0
    this.chunkPhase = 'size'
  }

  /** Parses the next bytes of the connection; throws an Http1Error at the first protocol error. */
  feed(data: Buffer): void {
    let input: Buffer = this.buffer ? Buffer.concat([this.buffer, data]) : data
    this.buffer = null
    while (input.byteLength > 0) {
      if (this.phase === 'head') {
        const end = input.indexOf(CRLF2)
        if (end < 0) {
          if (input.byteLength > MAX_HEAD_BYTES) throw new Http1Error('protocol', 'EHEADTOOLARGE', 'response head larger than 64 KB')
          this.buffer = input
          return
        }
        this.parseHead(input.toString('latin1', 0, end))
        input = input.subarray(end + 4)
      } else if (this.phase === 'body') {
        input = this.parseBody(input)
      } else {
        // One request at a time: bytes after a complete response answer nothing that was asked.
        throw new Http1Error('protocol', 'EEXTRABYTES', 'bytes after the end of the response')
      }
    }
  }

  /**
   * The connection closed. True when that completed the response: a body delimited by the close
   * (onBodyEnd has been called); false when the response is cut short or has not begun.
   */
  endOfInput(): boolean {
    if (this.phase !== 'body' || this.framing !== 'close') return false
    this.endBody()
    return true
  }

  /** Nothing more of this response is wanted: any further byte is refused (see feed). */
  stop(): void {
    this.phase = 'done'
    this.buffer = null
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n')
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!)
    if (!statusLine) throw new Http1Error('protocol', 'EBADSTATUS', 'invalid status line')
    const status = Number(statusLine[2])
    if (status > 599) throw new Http1Error('protocol', 'EBADSTATUS', 'invalid status code')
    if (status < 200) {
      if (status === 101) throw new Http1Error('protocol', 'EBADSTATUS', 'unexpected protocol switch')
      return // 100 Continue, 103 Early Hints: the real answer follows.
    }
    const headers = new Headers()
    let length = -1
    let chunked = false
    let keepAlive = statusLine[1] === '1'
    let encoding = ''
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new Http1Error('protocol', 'EBADHEADER', 'invalid header line')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      try {
        headers.append(name, value)
      } catch {
        throw new Http1Error('protocol', 'EBADHEADER', 'invalid header line')
      }
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) throw new Http1Error('protocol', 'EBADLENGTH', 'invalid content-length')
        length = Number(value)
      } else if (name === 'transfer-encoding') {
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value)
        if (!chunked) keepAlive = false // some other coding, framed by close
      } else if (name === 'connection') {
        const v = value.toLowerCase()
        if (v.includes('close')) keepAlive = false
        else if (v.includes('keep-alive')) keepAlive = true
      } else if (name === 'content-encoding') {
        const v = value.toLowerCase()
        if (v !== 'identity') encoding = v
      }
    }
    this.keepAlive = keepAlive
    if (status === 204 || status === 304) this.framing = 'none'
    else if (chunked) {
      this.framing = 'chunked'
      this.chunkPhase = 'size'
    } else if (length >= 0) {
      this.framing = length === 0 ? 'none' : 'length'
      this.remaining = length
    } else {
      this.framing = 'close'
      this.keepAlive = false
    }
    this.phase = this.framing === 'none' ? 'done' : 'body'
    this.events.onHead(status, headers, this.framing, encoding)
    if (this.framing === 'none') this.events.onBodyEnd()
  }

  /** Consumes body bytes; returns what is left of `input` after the body ended. */
  private parseBody(input: Buffer): Buffer {
    if (this.framing === 'close') {
      this.events.onBody(input)
      return EMPTY
    }
    if (this.framing === 'length') {
      const take = Math.min(this.remaining, input.byteLength)
      this.events.onBody(take === input.byteLength ? input : input.subarray(0, take))
      this.remaining -= take
      if (this.remaining === 0) this.endBody()
      return take === input.byteLength ? EMPTY : input.subarray(take)
    }
    // chunked
    while (input.byteLength > 0 && this.phase === 'body') {
      if (this.chunkPhase === 'data') {
        const take = Math.min(this.remaining, input.byteLength)
        this.events.onBody(input.subarray(0, take))
        this.remaining -= take
        input = input.subarray(take)
        if (this.remaining === 0) this.chunkPhase = 'data-end'
        continue
      }
      const eol = input.indexOf('\r\n')
      if (eol < 0) {
        if (input.byteLength > MAX_CHUNK_LINE_BYTES) throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk framing')
        this.buffer = input
        return EMPTY
      }
      const line = input.toString('latin1', 0, eol)
      input = input.subarray(eol + 2)
      if (this.chunkPhase === 'data-end') {
        if (line !== '') throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk framing')
        this.chunkPhase = 'size'
      } else if (this.chunkPhase === 'size') {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)
        if (!size) throw new Http1Error('protocol', 'EBADCHUNK', 'invalid chunk size')
        this.remaining = Number.parseInt(size[1]!, 16)
        this.chunkPhase = this.remaining === 0 ? 'trailer' : 'data'
      } else if (line === '') {
        this.endBody() // the empty line after the trailers
      }
    }
    return input
  }

  private endBody(): void {
    this.phase = 'done'
    this.events.onBodyEnd()
  }
}
