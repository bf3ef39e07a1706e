// The words both sides of the gateway share. A client speaks one wire format and a backend one;
// when they differ, a translator stands between them (./translators).

/** An API shape: Anthropic Messages or OpenAI Chat Completions. */
export type WireFormat = 'anthropic' | 'openai'

/** The LLM operations a client can ask for; each backend format serves them at a path of its own. */
export type LlmEndpoint = 'messages' | 'count_tokens' | 'chat_completions'
