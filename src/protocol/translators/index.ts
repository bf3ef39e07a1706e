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

export type { MappedUpstreamError } from './map-upstream-error'
export type { StreamPlan, TranslatedRequest, TranslatedResponse, TranslationTarget, Translator } from './translator'

type Pair = `${BackendWireFormat}->${BackendWireFormat}` | `responses->${WireFormat}`

const TRANSLATORS: Record<Pair, Translator> = {
  'anthropic->anthropic': passthroughTranslator('anthropic'),
  'openai->openai': passthroughTranslator('openai'),
  'anthropic->openai': anthropicClientOpenAIBackend,
  'openai->anthropic': openAIClientAnthropicBackend,
  'responses->openai': responsesClientOpenAIBackend,
  'responses->anthropic': responsesClientAnthropicBackend,
  'responses->responses': passthroughTranslator('responses'),
}

/** What translation needs to know of a backend. */
export interface BackendApis {
  format: BackendWireFormat | 'demo'
  responses: ResponsesMode
}

export function translatorFor(client: WireFormat, backend: BackendApis): Translator {
  // The demo backend answers Messages and Chat Completions, in whichever of them it is asked.
  const format: BackendWireFormat = backend.format === 'demo' ? (client === 'anthropic' ? 'anthropic' : 'openai') : backend.format
  if (client !== 'responses') return TRANSLATORS[`${client}->${format}` as const]
  const native = backend.format === 'openai' && backend.responses === 'native'
  return TRANSLATORS[native ? 'responses->responses' : (`responses->${format}` as const)]
}
