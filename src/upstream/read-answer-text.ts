// Reads the body of a whole (non-streamed) upstream answer, bounded: a backend that answers with a
// huge or endless body must not make the gateway hold it (the idle timeout never fires while its
// bytes keep coming). Far above any real answer, which is at most a few MB of JSON.

export const MAX_ANSWER_BYTES = 64 * 1024 * 1024

export class AnswerTooLargeError extends Error {
  override name = 'AnswerTooLargeError'
}

/** The body as text; throws AnswerTooLargeError (and stops reading) past MAX_ANSWER_BYTES. */
export function readAnswerText(response: Response, maxBytes = MAX_ANSWER_BYTES): Promise<string> {
  // The common case, a length stated up front, is read by Bun's own text(): no async frame, and
  // `response.body` is not touched (Bun builds a stream object for it on first use).
  const length = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isSafeInteger(length) && length >= 0 && length <= maxBytes) return response.text()
  return readBounded(response, maxBytes)
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return ''
  const tooLarge = () => new AnswerTooLargeError(`the upstream answer is larger than ${maxBytes} bytes`)
  // A length stated past the bound: refused before reading any of it.
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body.cancel().catch(() => {})
    throw tooLarge()
  }
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    parts.push(decoder.decode(value, { stream: true }))
  }
  parts.push(decoder.decode())
  return parts.join('')
}
