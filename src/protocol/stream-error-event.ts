// The last event of a stream that broke after its first byte, in the client's format: the status
// line has gone out as 200, so the error travels inside the stream, as both APIs do it.
import { GatewayError } from '../errors/gateway-error'
import { renderErrorBody } from './render-error'
import { formatSSE } from './sse/encode-sse'
import type { WireFormat } from './vocabulary'

const encoder = new TextEncoder()

export function streamErrorEvent(format: WireFormat, message: string): Uint8Array {
  const body = renderErrorBody(new GatewayError(502, 'api_error', message), format)
  // Anthropic names its events; OpenAI streams carry bare data lines.
  return encoder.encode(format === 'anthropic' ? formatSSE('error', body) : formatSSE(undefined, body))
}
