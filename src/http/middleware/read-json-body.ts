// Reads a JSON request body within max_body_bytes and a time limit: refuses other content types,
// bodies over the limit (by content-length before reading, or while reading a chunked body), bodies
// that take too long to arrive, malformed JSON, bodies
// nested deeper than MAX_JSON_DEPTH (./json-depth.ts) and bodies that are not a JSON object. Errors
// are GatewayErrors, rendered in the route's shape.
import { GatewayError } from '../../errors/gateway-error'
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth'

const decoder = new TextDecoder()
/** The client went away before its body was in: nobody to answer, and not the gateway's failure. */
const clientGone = () => new GatewayError(499 as number, 'api_error', 'The client closed the request before its body arrived.')
const invalidJson = () => new GatewayError(400, 'invalid_request_error', 'The request body is not valid JSON.')
// The rest of the body is never read: closing the connection spares the client sending it.
const tooLarge = (max: number) => new GatewayError(413, 'request_too_large', `The request body is larger than the gateway's limit of ${max} bytes.`, { headers: { connection: 'close' } })

function isJsonContentType(value: string | null): boolean {
  if (value === null) return true // curl --data-binary and some SDK versions send none
  const type = value.split(';', 1)[0]!.trim().toLowerCase()
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

/** A body read up to the limit (413 past it), for one of unknown length (chunked) too. */
export async function readLimited(request: Request, max: number): Promise<Uint8Array> {
  const length = request.headers.get('content-length')
  if (length !== null && !(Number(length) <= max)) throw tooLarge(max)
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw clientGone()
    })
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw tooLarge(max)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/**
 * Reads waiting for their body, checked by one coarse timer rather than a timer of their own: a
 * timer set and cleared per request cost a visible share of the hot path's CPU. A late body is
 * refused at most CHECK_MS after its deadline.
 */
const CHECK_MS = 250
interface Waiting {
  due: number
  late: () => void
}
const waiting = new Set<Waiting>()
let checker: ReturnType<typeof setInterval> | undefined

function checkDeadlines(): void {
  const now = performance.now()
  for (const w of waiting) {
    if (w.due <= now) {
      waiting.delete(w)
      w.late()
    }
  }
  if (waiting.size === 0 && checker) {
    clearInterval(checker)
    checker = undefined
  }
}

/**
 * `timeoutMs`: the body must have arrived within it (408 otherwise). Bun restarts a connection's
 * idle limit at every byte, so a body trickled in a byte at a time would hold the request for ever.
 */
export function readJsonBody(request: Request, max: number, timeoutMs = 0): Promise<Record<string, unknown>> {
  const reading = parseJsonBody(request, max)
  if (timeoutMs <= 0) return reading
  return new Promise((resolve, reject) => {
    const w: Waiting = {
      due: performance.now() + timeoutMs,
      // The read goes on after a timeout until the connection closes; nothing waits for it then.
      late: () => reject(new GatewayError(408, 'invalid_request_error', `The request body did not arrive within ${Math.round(timeoutMs / 1000)} s.`)),
    }
    waiting.add(w)
    if (!checker) {
      checker = setInterval(checkDeadlines, CHECK_MS)
      checker.unref?.()
    }
    reading.then(
      (value) => {
        waiting.delete(w)
        resolve(value)
      },
      (error: unknown) => {
        waiting.delete(w)
        reject(error)
      },
    )
  })
}

async function parseJsonBody(request: Request, max: number): Promise<Record<string, unknown>> {
  if (!isJsonContentType(request.headers.get('content-type'))) {
    throw new GatewayError(400, 'invalid_request_error', 'Content-Type must be application/json.')
  }
  let value: unknown
  const length = request.headers.get('content-length')
  if (length !== null) {
    if (!(Number(length) <= max)) throw tooLarge(max)
    // The length is known and within the limit: parsed straight from the bytes, without a copy.
    try {
      value = await request.json()
    } catch (error) {
      if (error instanceof SyntaxError) throw invalidJson()
      throw clientGone()
    }
  } else {
    const bytes = await readLimited(request, max).catch((error: unknown) => {
      throw error instanceof GatewayError ? error : clientGone()
    })
    try {
      value = JSON.parse(decoder.decode(bytes))
    } catch {
      throw invalidJson()
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError(400, 'invalid_request_error', 'The request body must be a JSON object.')
  }
  if (nestedDeeperThan(value)) throw new GatewayError(400, 'invalid_request_error', `The request body is nested too deeply (more than ${MAX_JSON_DEPTH} levels).`)
  return value as Record<string, unknown>
}
