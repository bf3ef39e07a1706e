// Renders a GatewayError in the wire shape the route speaks. Anthropic routes get
// {"type":"error","error":{"type","message"}}; everything else gets OpenAI's
// {"error":{"message","type","param","code"}}.

import type { GatewayError } from '../errors/gateway-error'
import type { WireFormat } from './vocabulary'

export function renderErrorBody(error: GatewayError, format: WireFormat): string {
  if (format === 'anthropic') {
    // The Anthropic SDKs read a machine-readable code from error.details (e.g. to fall back from
    // server-side threads); it is only there when the gateway has one.
    const body = error.code === null ? { type: error.type, message: error.message } : { type: error.type, message: error.message, details: { error_code: error.code } }
    return JSON.stringify({ type: 'error', error: body })
  }
  return JSON.stringify({
    error: { message: error.message, type: error.type, param: error.param, code: error.code ?? error.type },
  })
}
