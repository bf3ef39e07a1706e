// Same format on both sides: the body goes upstream as it came with only `model` set to the
// backend's id, and the answer comes back with only `model` set to the routed public name. An
// OpenAI stream is asked for its usage chunk, so that tokens are counted, and the client never
// sees that chunk unless it asked for it itself. A Responses API client on a backend that serves
// the Responses API itself (`responses: native`) passes through too: everything the gateway
// cannot translate (built-in tools, previous_response_id, include) works there, since the
// backend answers it.
import { responsesPassthroughChunks } from '../passthrough/create-responses-passthrough-stream'
import { passthroughChunks } from '../passthrough/create-passthrough-stream'
import { readAnthropicUsage, readOpenAIUsage, readResponsesUsage } from '../passthrough/read-usage'
import { streamErrorEvent } from '../stream-error-event'
import type { TokenUsage } from '../usage'
import type { LlmEndpoint, WireFormat } from '../vocabulary'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage, wantsUsage } from './translator'

const ENDPOINTS: Record<WireFormat, LlmEndpoint> = { anthropic: 'messages', openai: 'chat_completions', responses: 'responses' }
const USAGE_READERS: Record<WireFormat, (usage: unknown) => Partial<TokenUsage>> = { anthropic: readAnthropicUsage, openai: readOpenAIUsage, responses: readResponsesUsage }

export function passthroughTranslator(format: WireFormat): Translator {
  const readUsage = USAGE_READERS[format]
  return {
    client: format,
    backend: format,
    passthrough: true,
    upstreamEndpoint: ENDPOINTS[format],
    keepAlive: null,
    request(body, target) {
      const out: Record<string, unknown> = { ...body, model: target.upstreamModel }
      const clientWantsUsage = format === 'openai' && wantsUsage(body)
      const hideUsageChunk = format === 'openai' && out.stream === true && !clientWantsUsage
      if (hideUsageChunk) out.stream_options = { ...(out.stream_options as object | undefined), include_usage: true }
      return { body: JSON.stringify(out), warnings: [], plan: { hideUsageChunk, clientWantsUsage, inputTokensEstimate: 0 } }
    },
    response(parsed, target) {
      const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
      const rename = 'model' in record && record.model !== target.model
      if (rename) record.model = target.model
      return { body: parsed, usage: toUsage(readUsage(record.usage)), changed: rename }
    },
    stream(plan, target, onUsage) {
      // Responses streams carry their usage in the terminal event, always: nothing to hide.
      if (format === 'responses') return responsesPassthroughChunks({ model: target.model, onUsage })
      return passthroughChunks({ format, model: target.model, hideUsageChunk: plan.hideUsageChunk, onUsage })
    },
    error: (status, text, backendName) => mapUpstreamError(status, text, backendName, format, true),
    errorEvent: (message) => streamErrorEvent(format, message),
  }
}
