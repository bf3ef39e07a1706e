// An Anthropic Messages client (Claude Code) on an OpenAI Chat Completions backend (vLLM, KServe,
// OpenAI): the request goes out as Chat Completions, the answer and the stream come back as
// Messages. While the backend is silent (a long prefill) the stream sends Anthropic `ping` events,
// since Claude Code gives up on a stream that says nothing for 300 s.
import { anthropicToOpenAIRequest } from '../convert/anthropic-to-openai-request'
import { openAIToAnthropicChunks } from '../convert/create-openai-to-anthropic-stream'
import { openAIToAnthropicResponse } from '../convert/openai-to-anthropic-response'
import { readOpenAIUsage } from '../read-usage'
import { formatSSE } from '../sse/encode-sse'
import { streamErrorEvent } from '../stream-error-event'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage } from './translator'

const PING = new TextEncoder().encode(formatSSE('ping', '{"type":"ping"}'))

export const anthropicClientOpenAIBackend: Translator = {
  client: 'anthropic',
  backend: 'openai',
  passthrough: false,
  upstreamEndpoint: 'chat_completions',
  keepAlive: PING,
  request(body, target) {
    const options = target.maxOutputTokens === null ? { model: target.upstreamModel } : { model: target.upstreamModel, maxOutputTokens: target.maxOutputTokens }
    const { body: out, warnings } = anthropicToOpenAIRequest(body, options)
    const serialized = JSON.stringify(out)
    // message_start needs an input count before the backend has said anything: about four bytes a
    // token of the request sent. The backend's real count follows in message_delta. (The tokenizer
    // costs ~0.7 ms for a Claude Code request; it serves count_tokens instead.)
    return { body: serialized, warnings, plan: { hideUsageChunk: false, clientWantsUsage: false, inputTokensEstimate: Math.ceil(serialized.length / 4) } }
  },
  response(parsed, target) {
    const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
    return { body: openAIToAnthropicResponse(parsed, { model: target.model }), usage: toUsage(readOpenAIUsage(record.usage)), changed: true }
  },
  stream(plan, target, onUsage) {
    return openAIToAnthropicChunks({ model: target.model, inputTokens: plan.inputTokensEstimate, onUsage })
  },
  error: (status, text, backendName) => mapUpstreamError(status, text, backendName, 'anthropic', false),
  errorEvent: (message) => streamErrorEvent('anthropic', message),
}
