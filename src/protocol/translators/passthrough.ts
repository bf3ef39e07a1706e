// Same format on both sides: the body goes upstream as it came with only `model` set to the
// backend's id, and the answer comes back with only `model` set to the routed public name. An
// OpenAI stream is asked for its usage chunk, so that tokens are counted, and the client never
// sees that chunk unless it asked for it itself.
import { passthroughChunks } from '../passthrough/create-passthrough-stream'
import { readAnthropicUsage, readOpenAIUsage } from '../read-usage'
import { streamErrorEvent } from '../stream-error-event'
import type { WireFormat } from '../vocabulary'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage, wantsUsage } from './translator'

export function passthroughTranslator(format: WireFormat): Translator {
  const readUsage = format === 'anthropic' ? readAnthropicUsage : readOpenAIUsage
  return {
    client: format,
    backend: format,
    passthrough: true,
    upstreamEndpoint: format === 'anthropic' ? 'messages' : 'chat_completions',
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
      return passthroughChunks({ format, model: target.model, hideUsageChunk: plan.hideUsageChunk, onUsage })
    },
    error: (status, text, backendName) => mapUpstreamError(status, text, backendName, format, true),
    errorEvent: (message) => streamErrorEvent(format, message),
  }
}
