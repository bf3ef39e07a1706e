// Incremental Server-Sent Events decoder: push bytes, get back the events they completed.
// Chunks may split anywhere, inside a line or a multi-byte character; CRLF, CR and LF line ends
// are accepted. Comment lines (`: keep-alive`) and `id:`/`retry:` fields are ignored: neither API
// relies on them.

import type { SSEEvent } from './sse-event'

export class SSEDecoder {
  private readonly decoder = new TextDecoder()
  private buffer = ''
  private eventName: string | undefined
  private dataLines: string[] = []

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
    const event: SSEEvent = { data: this.dataLines.join('\n') }
    if (this.eventName !== undefined) event.event = this.eventName
    this.eventName = undefined
    this.dataLines = []
    out.push(event)
  }

  private line(line: string, out: SSEEvent[]) {
    if (line === '') return this.dispatch(out)
    if (line.charCodeAt(0) === 58 /* : */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1)
    if (field === 'data') this.dataLines.push(value)
    else if (field === 'event') this.eventName = value
  }

  private drain(out: SSEEvent[], final: boolean) {
    const buffer = this.buffer
    let start = 0
    for (;;) {
      const lf = buffer.indexOf('\n', start)
      const cr = buffer.indexOf('\r', start)
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
    if (final) {
      if (this.buffer !== '') this.line(this.buffer, out)
      this.buffer = ''
      this.dispatch(out)
    }
  }
}
