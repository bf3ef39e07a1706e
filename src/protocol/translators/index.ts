// The translator for a (client format, backend format) pair. The table is the only place that
// knows which pairs exist.
import type { WireFormat } from '../vocabulary'
import { anthropicClientOpenAIBackend } from './anthropic-client-openai-backend'
import { openAIClientAnthropicBackend } from './openai-client-anthropic-backend'
import { passthroughTranslator } from './passthrough'
import type { Translator } from './translator'

export { type MappedUpstreamError, upstreamErrorMessage } from './map-upstream-error'
export type { StreamPlan, TranslatedRequest, TranslatedResponse, TranslationTarget, Translator } from './translator'

/** By client format, then backend format (looked up on every request: no key string is built). */
const TRANSLATORS: Record<WireFormat, Record<WireFormat, Translator>> = {
  anthropic: { anthropic: passthroughTranslator('anthropic'), openai: anthropicClientOpenAIBackend },
  openai: { openai: passthroughTranslator('openai'), anthropic: openAIClientAnthropicBackend },
}

export function translatorFor(client: WireFormat, backend: WireFormat): Translator {
  return TRANSLATORS[client][backend]
}
