// The last event of a stream that broke after its first byte, in the client's format: the status
// line has gone out as 200, so the error travels inside the stream, as both APIs do it.
import { GatewayError } from '../errors/gateway-error'
import { renderErrorBody } from './render-error'
import { formatSSE } from './sse/encode-sse'
import type { WireFormat } from './vocabulary'

const encoder = new TextEncoder()

export function streamErrorEvent(format: WireFormat, message: string): Uint8Array {
  switch (format) {
    case 'anthropic':
      // Anthropic names its events; Chat Completions streams carry bare data lines.
      return encoder.encode(formatSSE('error', renderErrorBody(new GatewayError(502, 'api_error', message), format)))
    case 'openai':
      return encoder.encode(formatSSE(undefined, renderErrorBody(new GatewayError(502, 'api_error', message), format)))
    case 'responses':
      // The Responses API's error event. A translated stream ends with response.failed instead
      // (its transform knows the response); this is for streams relayed as they came.
      return encoder.encode(formatSSE('error', JSON.stringify({ type: 'error', code: 'server_error', message, param: null, sequence_number: 0 })))
    default: {
      const never_: never = format
      return never_
    }
  }
}
