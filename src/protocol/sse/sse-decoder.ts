// Incremental Server-Sent Events decoder: push bytes, get back the events they completed.
// Chunks may split anywhere, inside a line or a multi-byte character; CRLF, CR and LF line ends
// are accepted. Comment lines (`: keep-alive`) and `id:`/`retry:` fields are ignored: neither API
// relies on them. An event is bounded (MAX_EVENT_CHARS): a backend that never ends one (a line
// without its line end, data lines without the blank line) would otherwise be held for ever, the
// idle timeout never firing while its bytes keep coming.

import type { SSEEvent } from './sse-event'

/** The longest event held: far above any real one (a Responses API's response.completed repeats the whole answer). */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024

export class SSEEventTooLargeError extends Error {
  override name = 'SSEEventTooLargeError'
  constructor() {
    super(`an upstream stream event grew past ${MAX_EVENT_CHARS} characters`)
  }
}

export class SSEDecoder {
  private readonly decoder = new TextDecoder()
  private buffer = ''
  private eventName: string | undefined
  private dataLines: string[] = []
  /** Characters of the event being read, in dataLines. */
  private eventChars = 0
  /** How far the buffer is known to hold no line end: a long line is not searched again per chunk. */
  private scanned = 0

  push(chunk: Uint8Array): SSEEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true })
    const out: SSEEvent[] = []
    this.drain(out, false)
    return out
  }

  end(): SSEEvent[] {
    this.buffer += this.decoder.decode()
    const out: SSEEvent[] = []
    this.drain(out, true)
    return out
  }

  private dispatch(out: SSEEvent[]) {
    if (this.dataLines.length === 0 && this.eventName === undefined) return
    const lines = this.dataLines
    const event: SSEEvent = { data: lines.length === 1 ? lines[0]! : lines.join('\n') }
    if (this.eventName !== undefined) event.event = this.eventName
    this.eventName = undefined
    this.dataLines = []
    this.eventChars = 0
    out.push(event)
  }

  private line(line: string, out: SSEEvent[]) {
    if (line === '') return this.dispatch(out)
    // The field is the text before the first colon (the whole line without one); the value is
    // what follows it, less one leading space. Only `data` and `event` matter.
    let value: string
    if (line.startsWith('data')) {
      if (line.length === 4) value = ''
      else if (line.charCodeAt(4) === 58 /* : */) value = line.charCodeAt(5) === 32 /* space */ ? line.slice(6) : line.slice(5)
      else return
      this.dataLines.push(value)
      this.eventChars += value.length
      if (this.eventChars > MAX_EVENT_CHARS) throw new SSEEventTooLargeError()
    } else if (line.startsWith('event')) {
      if (line.length === 5) value = ''
      else if (line.charCodeAt(5) === 58 /* : */) value = line.charCodeAt(6) === 32 /* space */ ? line.slice(7) : line.slice(6)
      else return
      this.eventName = value
    }
    // Anything else: a comment (`: keep-alive`), `id:`, `retry:` or an unknown field, ignored.
  }

  private drain(out: SSEEvent[], final: boolean) {
    const buffer = this.buffer
    let start = 0
    // The next LF and CR at or after `start`, searched again only once passed: -1 means none in
    // the rest of the buffer, so a stream without CRs never rescans the buffer for one per line.
    let lf = buffer.indexOf('\n', this.scanned)
    let cr = buffer.indexOf('\r', this.scanned)
    for (;;) {
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start)
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start)
      let end: number
      let next: number
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (cr === buffer.length - 1 && !final) break
        end = cr
        next = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1
      } else if (lf !== -1) {
        end = lf
        next = lf + 1
      } else break
      this.line(buffer.slice(start, end), out)
      start = next
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start)
    // What is left holds no line end, but for a CR at its very end (half of a CRLF, maybe).
    this.scanned = Math.max(0, this.buffer.length - 1)
    if (this.buffer.length + this.eventChars > MAX_EVENT_CHARS) throw new SSEEventTooLargeError()
    if (final) {
      if (this.buffer !== '') this.line(this.buffer, out)
      this.buffer = ''
      this.dispatch(out)
    }
  }
}
