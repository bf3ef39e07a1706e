// Reads the small form-encoded bodies of the sign-in endpoints (OAuth requests, the verification
// page's form) within a few kilobytes: nothing legitimate is larger, and nothing larger is read.

import { GatewayError } from '../../../errors/gateway-error'
import { readLimited } from '../../middleware/read-json-body'

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
  try {
    return new URLSearchParams(Buffer.from(await readLimited(request, MAX_FORM_BYTES)).toString('utf8'))
  } catch (error) {
    if (error instanceof GatewayError && error.status === 413) throw new FormError(413, `the body is larger than ${MAX_FORM_BYTES} bytes`)
    throw error
  }
}
