// The time limit on the body of a request to a route other than the LLM routes (those read theirs
// with the limit themselves, ./read-json-body.ts). Bun restarts a connection's idle limit at every
// byte, so a body trickled in a byte at a time would hold its request for ever, on routes anyone
// may call too (the console's and the OAuth sign-in endpoints). The body is handed on through a
// stream that is watched: once it has ended, or once the route has answered without needing the
// rest, there is no deadline; otherwise, at the deadline the wait ends with a 408.
import { GatewayError } from '../../errors/gateway-error'

export interface BodyDeadline {
  /** The request to hand on: the same one with its body read through the watch. */
  request: Request
  /** Rejects with a 408 GatewayError when the body has not ended in time; never resolves. */
  late: Promise<never>
  /** Ends the watch (the route answered). */
  done(): void
}

/** A request with a body to wait for: a declared length above 0, or a chunked one. */
export function hasBody(request: Request): boolean {
  const length = request.headers.get('content-length')
  return length === null ? request.headers.get('transfer-encoding') !== null : length !== '0'
}

export function watchBody(request: Request, timeoutMs: number): BodyDeadline | null {
  const source = request.body
  if (source === null || timeoutMs <= 0 || !hasBody(request)) return null
  const reader = source.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const done = () => clearTimeout(timer)
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reader.cancel().catch(() => {})
      // The rest of the body is never read: closing the connection spares the client sending it.
      reject(new GatewayError(408, 'invalid_request_error', `The request body did not arrive within ${Math.round(timeoutMs / 1000)} s.`, { headers: { connection: 'close' } }))
    }, timeoutMs)
  })
  // Whoever answers first, nobody need wait for the other.
  late.catch(() => {})
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read()
        if (ended) {
          done()
          controller.close()
        } else controller.enqueue(value)
      } catch (error) {
        done()
        controller.error(error)
      }
    },
    cancel(reason) {
      done()
      return reader.cancel(reason)
    },
  })
  const watched = new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal, duplex: 'half' } as RequestInit)
  return { request: watched, late, done }
}
