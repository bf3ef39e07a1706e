// Reads the small form-encoded bodies of the sign-in endpoints (OAuth requests, the verification
// page's form) within a few kilobytes: nothing legitimate is larger, and nothing larger is read.

export class FormError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message)
  }
}

export const MAX_FORM_BYTES = 8 * 1024

export async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type')?.split(';', 1)[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') throw new FormError(400, 'the body must be application/x-www-form-urlencoded')
  const length = request.headers.get('content-length')
  if (length !== null && !(Number(length) <= MAX_FORM_BYTES)) throw new FormError(413, `the body is larger than ${MAX_FORM_BYTES} bytes`)
  if (!request.body) return new URLSearchParams()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }))
    if (done) break
    total += value.byteLength
    if (total > MAX_FORM_BYTES) {
      await reader.cancel().catch(() => {})
      throw new FormError(413, `the body is larger than ${MAX_FORM_BYTES} bytes`)
    }
    chunks.push(value)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
