// The OpenAI Responses API fields the converters read or write. Anything else a client sends is
// either dropped on purpose by a converter (each on a list in ./responses-to-chat-request.ts) or,
// on a native passthrough, never looked at.

/** A response's status as the API reports it; `in_progress` until a terminal event. */
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed'

/** Why a response stopped short (`incomplete_details.reason`). */
export type IncompleteReason = 'max_output_tokens' | 'content_filter'

export interface ResponsesUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

export interface OutputText {
  type: 'output_text'
  text: string
  annotations: unknown[]
  logprobs: unknown[]
}

export interface MessageItem {
  type: 'message'
  id: string
  status: 'in_progress' | 'completed' | 'incomplete'
  role: 'assistant'
  content: OutputText[]
}

export interface ReasoningItem {
  type: 'reasoning'
  id: string
  summary: { type: 'summary_text'; text: string }[]
  content: { type: 'reasoning_text'; text: string }[]
  /**
   * Opaque state the client sends back with the item. The gateway puts an Anthropic thinking
   * block's signature here, so that a thinking-and-tools turn can go back to Anthropic whole.
   */
  encrypted_content?: string | null
}

export interface FunctionCallItem {
  type: 'function_call'
  id: string
  status: 'in_progress' | 'completed' | 'incomplete'
  call_id: string
  name: string
  /** The group of a tool the client declared inside a `namespace` tool. */
  namespace?: string
  arguments: string
}

export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem

/** What a translated response (or stream) repeats of its request: small values only. */
export interface ResponseEcho {
  tool_choice: unknown
  parallel_tool_calls: boolean
  temperature: number | null
  top_p: number | null
  max_output_tokens: number | null
  store: boolean
  reasoning: { effort: string | null; summary: string | null }
}

/** A flattened tool name -> the namespace and name the client declared it under. */
export type NamespacedNames = ReadonlyMap<string, { namespace: string; name: string }>
