// Reads the body of an upstream's error answer, bounded: a backend that answers an error with a
// huge or endless body must not make the gateway hold it.

const MAX_ERROR_BODY = 64 * 1024

/** The body of a small upstream answer, read up to MAX_ERROR_BODY bytes; the rest is never read. */
export async function readErrorText(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (text.length >= MAX_ERROR_BODY) {
        await reader.cancel().catch(() => {})
        return text.slice(0, MAX_ERROR_BODY)
      }
    }
    return text + decoder.decode()
  } catch {
    return text
  }
}
