// Same format on both sides: the body goes upstream as it came with only `model` set to the
// backend's id, and the answer comes back with only `model` set to the routed public name. An
// OpenAI stream is asked for its usage chunk, so that tokens are counted, and the client never
// sees that chunk unless it asked for it itself. The gateway owns what a request may cost, as it
// does when it translates: the output limits (`max_tokens`, `max_completion_tokens`,
// `max_output_tokens`) are brought down to the model's `max_output_tokens`, and `n` above 1
// (several answers for one counted request) is refused. A Responses API client on a backend that
// serves the Responses API itself (`responses: native`) passes through too: everything the gateway
// cannot translate (built-in tools, previous_response_id, include) works there, since the backend
// answers it.
import { GatewayError } from '../../errors/gateway-error'
import { responsesPassthroughChunks } from '../passthrough/create-responses-passthrough-stream'
import { passthroughChunks } from '../passthrough/create-passthrough-stream'
import { readAnthropicUsage, readOpenAIUsage, readResponsesUsage } from '../read-usage'
import { streamErrorEvent } from '../stream-error-event'
import type { TranslationWarning } from '../translation-warning'
import type { TokenUsage } from '../usage'
import type { LlmEndpoint, WireFormat } from '../vocabulary'
import { mapUpstreamError } from './map-upstream-error'
import { type Translator, toUsage, wantsUsage } from './translator'

/** The fields that bound an answer's length, in each format. */
const OUTPUT_LIMIT_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const
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
      if (typeof body.n === 'number' && body.n > 1) {
        throw new GatewayError(400, 'invalid_request_error', 'n: this gateway returns one choice per request', { param: 'n' })
      }
      const out: Record<string, unknown> = { ...body, model: target.upstreamModel }
      const warnings: TranslationWarning[] = []
      const limit = target.maxOutputTokens
      if (limit !== null) {
        for (const field of OUTPUT_LIMIT_FIELDS) {
          const asked = out[field]
          if (typeof asked === 'number' && asked > limit) {
            out[field] = limit
            warnings.push({ type: 'clamped', setting: 'max_tokens', from: asked, to: limit })
          }
        }
      }
      const clientWantsUsage = format === 'openai' && wantsUsage(body)
      const hideUsageChunk = format === 'openai' && out.stream === true && !clientWantsUsage
      if (hideUsageChunk) out.stream_options = { ...(out.stream_options as object | undefined), include_usage: true }
      const serialized = JSON.stringify(out)
      // Charged if the stream ends before the upstream reports its usage: about four bytes a token.
      return { body: serialized, warnings, plan: { hideUsageChunk, clientWantsUsage, inputTokensEstimate: Math.ceil(serialized.length / 4) } }
    },
    response(parsed, target) {
      const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
      const rename = 'model' in record && record.model !== target.model
      if (rename) record.model = target.model
      return { body: parsed, usage: toUsage(readUsage(record.usage)), changed: rename }
    },
    stream(plan, target, onUsage) {
      // Responses streams carry their usage in the terminal event, always: nothing to hide.
      if (format === 'responses') return responsesPassthroughChunks({ model: target.model, onUsage, inputTokensEstimate: plan.inputTokensEstimate })
      return passthroughChunks({ format, model: target.model, hideUsageChunk: plan.hideUsageChunk, onUsage, inputTokensEstimate: plan.inputTokensEstimate })
    },
    error: (status, text, backendName) => mapUpstreamError(status, text, backendName, format, true),
    errorEvent: (message) => streamErrorEvent(format, message),
  }
}
