// The translator for a (client format, backend API) pair. The table is the only place that knows
// which pairs exist, and translatorFor the only place that knows which API a backend is called
// with for a client: its format, a Responses backend's own API for Responses clients when it
// serves it (`responses: native`), and for the demo backend whatever the client speaks (through
// Chat Completions for Responses clients).
import type { BackendWireFormat, ResponsesMode, WireFormat } from '../vocabulary'
import { anthropicClientOpenAIBackend } from './anthropic-client-openai-backend'
import { openAIClientAnthropicBackend } from './openai-client-anthropic-backend'
import { passthroughTranslator } from './passthrough'
import { responsesClientAnthropicBackend } from './responses-client-anthropic-backend'
import { responsesClientOpenAIBackend } from './responses-client-openai-backend'
import type { Translator } from './translator'

export { type MappedUpstreamError, upstreamErrorMessage } from './map-upstream-error'
export type { StreamPlan, TranslatedRequest, TranslatedResponse, TranslationTarget, Translator } from './translator'

/** By client format, then backend format: looked up on every request, so no key string is built. */
const TRANSLATORS: Record<WireFormat, Record<BackendWireFormat, Translator>> = {
  anthropic: { anthropic: passthroughTranslator('anthropic'), openai: anthropicClientOpenAIBackend },
  openai: { openai: passthroughTranslator('openai'), anthropic: openAIClientAnthropicBackend },
  responses: { openai: responsesClientOpenAIBackend, anthropic: responsesClientAnthropicBackend },
}
const RESPONSES_NATIVE = passthroughTranslator('responses')

/** What translation needs to know of a backend. */
export interface BackendApis {
  format: BackendWireFormat | 'demo'
  responses: ResponsesMode
}

export function translatorFor(client: WireFormat, backend: BackendApis): Translator {
  if (client === 'responses' && backend.format === 'openai' && backend.responses === 'native') return RESPONSES_NATIVE
  // The demo backend answers Messages and Chat Completions, in whichever of them it is asked.
  const format: BackendWireFormat = backend.format === 'demo' ? (client === 'anthropic' ? 'anthropic' : 'openai') : backend.format
  return TRANSLATORS[client][format]
}
