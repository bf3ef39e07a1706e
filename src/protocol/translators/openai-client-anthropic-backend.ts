// An OpenAI Chat Completions client (the OpenAI SDKs, most tools) on an Anthropic Messages backend:
// the request goes out as Messages (max_tokens is required there: the model's limit, else a
// default), the answer and the stream come back as Chat Completions.
import { anthropicToOpenAIChunks } from '../convert/create-anthropic-to-openai-stream'
import { anthropicToOpenAIResponse } from '../convert/anthropic-to-openai-response'
import { openAIToAnthropicRequest } from '../convert/openai-to-anthropic-request'
import { readAnthropicUsage } from '../read-usage'
import { streamErrorEvent } from '../stream-error-event'
import { mapUpstreamError } from './map-upstream-error'
import { type TranslationTarget, type Translator, toUsage, wantsUsage } from './translator'

/** Anthropic requires max_tokens; OpenAI clients often leave it out. */
const DEFAULT_MAX_TOKENS = 4096

/** The output limits of a request to an Anthropic backend: the model's limit, else a default, as max_tokens when the client set none. */
export function messagesLimits(target: TranslationTarget): { model: string; defaultMaxTokens: number; maxOutputTokens?: number } {
  const limit = target.maxOutputTokens
  return { model: target.upstreamModel, defaultMaxTokens: limit ?? DEFAULT_MAX_TOKENS, ...(limit === null ? {} : { maxOutputTokens: limit }) }
}

export const openAIClientAnthropicBackend: Translator = {
  client: 'openai',
  backend: 'anthropic',
  passthrough: false,
  upstreamEndpoint: 'messages',
  keepAlive: null,
  request(body, target) {
    const { body: out, warnings } = openAIToAnthropicRequest(body, messagesLimits(target))
    return { body: JSON.stringify(out), warnings, plan: { hideUsageChunk: false, clientWantsUsage: wantsUsage(body), inputTokensEstimate: 0 } }
  },
  response(parsed, target) {
    const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
    return { body: anthropicToOpenAIResponse(parsed, { model: target.model }), usage: toUsage(readAnthropicUsage(record.usage)), changed: true }
  },
  stream(plan, target, onUsage) {
    return anthropicToOpenAIChunks({ model: target.model, includeUsage: plan.clientWantsUsage, onUsage })
  },
  error: (status, text, backendName) => mapUpstreamError(status, text, backendName, 'openai', false),
  errorEvent: (message) => streamErrorEvent('openai', message),
}
