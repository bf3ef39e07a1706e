// A Responses API client (Codex, the OpenAI SDKs' responses.*) on a Chat Completions backend (vLLM,
// KServe, an OpenAI-compatible server): the request goes out as Chat Completions, the answer and
// the stream come back as a Responses response and its event sequence.
import { readOpenAIUsage } from '../read-usage'
import { chatToResponsesResponse } from '../responses/chat-to-responses-response'
import { chatToResponsesChunks } from '../responses/chat-to-responses-stream'
import { responsesToChatRequest } from '../responses/responses-to-chat-request'
import { streamErrorEvent } from '../stream-error-event'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage } from './translator'

export const responsesClientOpenAIBackend: Translator = {
  client: 'responses',
  backend: 'openai',
  passthrough: false,
  upstreamEndpoint: 'chat_completions',
  keepAlive: null,
  request(body, target) {
    const options = { model: target.upstreamModel, target: 'chat' as const, ...(target.maxOutputTokens === null ? {} : { maxOutputTokens: target.maxOutputTokens }) }
    const { body: out, warnings, namespaced, echo } = responsesToChatRequest(body, options)
    const serialized = JSON.stringify(out)
    // About four bytes a token: counted only when the backend reports no usage of its own.
    return { body: serialized, warnings, plan: { hideUsageChunk: false, clientWantsUsage: false, inputTokensEstimate: Math.ceil(serialized.length / 4), responses: { echo, namespaced } } }
  },
  response(parsed, target, plan) {
    const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
    const body = chatToResponsesResponse(parsed, { model: target.model, echo: plan.responses?.echo ?? null, namespaced: plan.responses?.namespaced ?? null })
    return { body, usage: toUsage(readOpenAIUsage(record.usage)), changed: true }
  },
  stream(plan, target, onUsage) {
    return chatToResponsesChunks({ model: target.model, echo: plan.responses?.echo ?? null, namespaced: plan.responses?.namespaced ?? null, inputTokens: plan.inputTokensEstimate, onUsage })
  },
  error: (status, text, backendName) => mapUpstreamError(status, text, backendName, 'responses', false),
  errorEvent: (message) => streamErrorEvent('responses', message),
}
