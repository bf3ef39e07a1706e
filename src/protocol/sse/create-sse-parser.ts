// Parses a byte stream of Server-Sent Events into SSEEvent objects. Chunks may split anywhere,
// inside a line or inside a multi-byte character; CRLF, CR and LF line ends are accepted.
// Comment lines (`: keep-alive`) and `id:`/`retry:` fields are ignored: neither API relies on them.

import type { SSEEvent } from './sse-event'

export function createSSEParser(): TransformStream<Uint8Array, SSEEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let eventName: string | undefined
  let dataLines: string[] = []

  function dispatch(controller: TransformStreamDefaultController<SSEEvent>) {
    if (dataLines.length === 0 && eventName === undefined) return
    const event: SSEEvent = { data: dataLines.join('\n') }
    if (eventName !== undefined) event.event = eventName
    eventName = undefined
    dataLines = []
    controller.enqueue(event)
  }

  function processLine(line: string, controller: TransformStreamDefaultController<SSEEvent>) {
    if (line === '') return dispatch(controller)
    if (line.charCodeAt(0) === 58 /* : */) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1)
    if (field === 'data') dataLines.push(value)
    else if (field === 'event') eventName = value
  }

  function drain(controller: TransformStreamDefaultController<SSEEvent>, final: boolean) {
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
      processLine(buffer.slice(start, end), controller)
      start = next
    }
    buffer = buffer.slice(start)
    if (final) {
      if (buffer !== '') processLine(buffer, controller)
      buffer = ''
      dispatch(controller)
    }
  }

  return new TransformStream<Uint8Array, SSEEvent>({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true })
      drain(controller, false)
    },
    flush(controller) {
      buffer += decoder.decode()
      drain(controller, true)
    },
  })
}
