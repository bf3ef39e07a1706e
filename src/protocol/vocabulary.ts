// The words both sides of the gateway share. A client speaks one wire format and a backend one;
// when they differ, a translator stands between them (./translators).

/** An API shape: Anthropic Messages, OpenAI Chat Completions, or OpenAI Responses. */
export type WireFormat = 'anthropic' | 'openai' | 'responses'

/**
 * The formats a backend is configured with (`backends.<name>.format`). OpenAI's Responses API is a
 * client format first: an `openai` backend that serves it too says so apart (`responses: native`).
 */
export type BackendWireFormat = Exclude<WireFormat, 'responses'>

/** How an `openai` backend serves Responses clients: itself (`native`), or through Chat Completions. */
export type ResponsesMode = 'native' | 'translate'

/** The LLM operations a client can ask for; each backend format serves them at a path of its own. */
export type LlmEndpoint = 'messages' | 'count_tokens' | 'chat_completions' | 'responses'
