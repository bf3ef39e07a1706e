// A Responses API client (Codex, the OpenAI SDKs' responses.*) on an Anthropic Messages backend:
// the request goes out as Messages (max_tokens is required there: the model's limit, else a
// default), the answer and the stream come back as a Responses response and its event sequence.
import { readAnthropicUsage } from '../read-usage'
import { anthropicToResponsesResponse } from '../responses/anthropic-to-responses-response'
import { anthropicToResponsesChunks } from '../responses/anthropic-to-responses-stream'
import { responsesToAnthropicRequest } from '../responses/responses-to-anthropic-request'
import { streamErrorEvent } from '../stream-error-event'
import { mapUpstreamError } from './map-upstream-error'
import { messagesLimits } from './openai-client-anthropic-backend'
import { type Translator, toUsage } from './translator'

export const responsesClientAnthropicBackend: Translator = {
  client: 'responses',
  backend: 'anthropic',
  passthrough: false,
  upstreamEndpoint: 'messages',
  keepAlive: null,
  request(body, target) {
    const { body: out, warnings, namespaced, echo } = responsesToAnthropicRequest(body, messagesLimits(target))
    return { body: JSON.stringify(out), warnings, plan: { hideUsageChunk: false, clientWantsUsage: false, inputTokensEstimate: 0, responses: { echo, namespaced } } }
  },
  response(parsed, target, plan) {
    const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
    const body = anthropicToResponsesResponse(parsed, { model: target.model, echo: plan.responses?.echo ?? null, namespaced: plan.responses?.namespaced ?? null })
    return { body, usage: toUsage(readAnthropicUsage(record.usage)), changed: true }
  },
  stream(plan, target, onUsage) {
    return anthropicToResponsesChunks({ model: target.model, echo: plan.responses?.echo ?? null, namespaced: plan.responses?.namespaced ?? null, onUsage })
  },
  error: (status, text, backendName) => mapUpstreamError(status, text, backendName, 'responses', false),
  errorEvent: (message) => streamErrorEvent('responses', message),
}
