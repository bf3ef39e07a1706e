// Chooses, per request, between passing a body through (same API on both sides) and translating
// it with the pure converters of src/protocol/convert, for the request, the response and the stream.

import { anthropicToOpenAIRequest } from '../protocol/convert/anthropic-to-openai-request'
import { anthropicToOpenAIResponse } from '../protocol/convert/anthropic-to-openai-response'
import type { ChunkTransform } from '../protocol/chunk-transform'
import { anthropicToOpenAIChunks } from '../protocol/convert/create-anthropic-to-openai-stream'
import { openAIToAnthropicChunks } from '../protocol/convert/create-openai-to-anthropic-stream'
import { openAIToAnthropicRequest } from '../protocol/convert/openai-to-anthropic-request'
import { openAIToAnthropicResponse } from '../protocol/convert/openai-to-anthropic-response'
import { passthroughChunks } from '../protocol/passthrough/create-passthrough-stream'
import { readAnthropicUsage, readOpenAIUsage } from '../protocol/passthrough/read-usage'
import type { TokenUsage, UsageListener } from '../protocol/usage'
import type { RouteTarget } from '../routing/resolve-model'
import type { ClientFormat, ProxyRequest } from './proxy-types'

export type TranslationMode = 'same' | 'anthropic-to-openai' | 'openai-to-anthropic'

/** Anthropic requires max_tokens; OpenAI clients often leave it out. */
const DEFAULT_MAX_TOKENS = 4096

export interface BuiltUpstream {
  body: string
  /** The gateway asked an OpenAI upstream for usage the client did not request. */
  hideUsageChunk: boolean
  /** The OpenAI client asked for a usage chunk (stream_options.include_usage). */
  clientWantsUsage: boolean
  warnings: string[]
}

function wantsUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined
  return options?.include_usage === true
}

export function buildUpstreamBody(mode: TranslationMode, req: ProxyRequest, target: RouteTarget): BuiltUpstream {
  const clientWantsUsage = req.format === 'openai' && wantsUsage(req.body)
  switch (mode) {
    case 'same': {
      const body: Record<string, unknown> = { ...req.body, model: target.upstreamModel }
      let hideUsageChunk = false
      if (req.format === 'openai' && body.stream === true && !clientWantsUsage && target.backend.format === 'openai') {
        // Ask for usage so that tokens are accounted; the client never sees the extra chunk.
        body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true }
        hideUsageChunk = true
      }
      return { body: JSON.stringify(body), hideUsageChunk, clientWantsUsage, warnings: [] }
    }
    case 'anthropic-to-openai': {
      const options = target.maxOutputTokens === null ? { model: target.upstreamModel } : { model: target.upstreamModel, maxOutputTokens: target.maxOutputTokens }
      const { body, warnings } = anthropicToOpenAIRequest(req.body, options)
      return { body: JSON.stringify(body), hideUsageChunk: false, clientWantsUsage, warnings }
    }
    case 'openai-to-anthropic': {
      const options = { model: target.upstreamModel, defaultMaxTokens: target.maxOutputTokens ?? DEFAULT_MAX_TOKENS, ...(target.maxOutputTokens === null ? {} : { maxOutputTokens: target.maxOutputTokens }) }
      const { body, warnings } = openAIToAnthropicRequest(req.body, options)
      return { body: JSON.stringify(body), hideUsageChunk: false, clientWantsUsage, warnings }
    }
  }
}

function toUsage(u: Partial<TokenUsage>): TokenUsage | null {
  if (u.input_tokens === undefined && u.output_tokens === undefined) return null
  return { input_tokens: u.input_tokens ?? 0, output_tokens: u.output_tokens ?? 0 }
}

/** `changed` is false when the answer is the upstream's as it came (same format, same model name). */
export function convertResponseBody(mode: TranslationMode, client: ClientFormat, parsed: unknown, target: RouteTarget): { body: unknown; usage: TokenUsage | null; changed: boolean } {
  const record = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
  switch (mode) {
    case 'same': {
      const rename = 'model' in record && record.model !== target.model
      if (rename) record.model = target.model
      return { body: parsed, usage: toUsage(client === 'anthropic' ? readAnthropicUsage(record.usage) : readOpenAIUsage(record.usage)), changed: rename }
    }
    case 'anthropic-to-openai':
      return { body: openAIToAnthropicResponse(parsed, { model: target.model }), usage: toUsage(readOpenAIUsage(record.usage)), changed: true }
    case 'openai-to-anthropic':
      return { body: anthropicToOpenAIResponse(parsed, { model: target.model }), usage: toUsage(readAnthropicUsage(record.usage)), changed: true }
  }
}

export function createResponseStream(mode: TranslationMode, req: ProxyRequest, target: RouteTarget, built: BuiltUpstream, onUsage: UsageListener): ChunkTransform {
  switch (mode) {
    case 'same':
      return passthroughChunks({ format: req.format, model: target.model, hideUsageChunk: built.hideUsageChunk, onUsage })
    case 'anthropic-to-openai':
      // message_start needs an input count before the backend has said anything: about four bytes
      // a token of the request sent. The backend's real count follows in message_delta. (The
      // tokenizer costs ~0.7 ms for a Claude Code request; it serves count_tokens instead.)
      return openAIToAnthropicChunks({ model: target.model, inputTokens: Math.ceil(built.body.length / 4), onUsage })
    case 'openai-to-anthropic':
      return anthropicToOpenAIChunks({ model: target.model, includeUsage: built.clientWantsUsage, onUsage })
  }
}
