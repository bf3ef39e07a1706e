// A Responses API client on a backend that serves the Responses API itself (OpenAI, vLLM's own
// /v1/responses; `responses: native` in its config): the body goes upstream as it came with only
// `model` set to the backend's id, and the answer comes back with only `model` set to the routed
// public name. Everything the gateway cannot translate (built-in tools, previous_response_id,
// include) works here, since the backend itself answers it.
import { readResponsesUsage } from '../passthrough/read-usage'
import { responsesPassthroughChunks } from '../passthrough/create-responses-passthrough-stream'
import { streamErrorEvent } from '../stream-error-event'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage } from './translator'

export const responsesPassthrough: Translator = {
  client: 'responses',
  backend: 'responses',
  passthrough: true,
  upstreamEndpoint: 'responses',
  keepAlive: null,
  request(body, target) {
    return { body: JSON.stringify({ ...body, model: target.upstreamModel }), warnings: [], plan: { hideUsageChunk: false, clientWantsUsage: false, inputTokensEstimate: 0 } }
  },
  response(parsed, target) {
    const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
    const rename = 'model' in record && record.model !== target.model
    if (rename) record.model = target.model
    return { body: parsed, usage: toUsage(readResponsesUsage(record.usage)), changed: rename }
  },
  stream(_plan, target, onUsage) {
    return responsesPassthroughChunks({ model: target.model, onUsage })
  },
  error: (status, text, backendName) => mapUpstreamError(status, text, backendName, 'responses', true),
  errorEvent: (message) => streamErrorEvent('responses', message),
}
