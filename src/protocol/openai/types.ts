// The OpenAI Chat Completions fields the converters read or write. Anything else is either dropped
// on purpose by a converter or, on a same-format passthrough, never looked at.

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }

export interface OpenAIToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export type OpenAIMessage =
  | { role: 'system' | 'developer'; content: string | OpenAIContentPart[] }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | OpenAIContentPart[] | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string | OpenAIContentPart[] }

export interface OpenAITool {
  type: 'function'
  function: { name: string; description?: string; parameters?: Record<string, unknown> }
}

export type OpenAIToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } }

export interface OpenAIUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number | null } | null
}

/** One streamed tool-call fragment: the first for an index brings id and name, later ones only arguments. */
export interface OpenAIToolCallDelta {
  index?: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

export interface OpenAIChunkDelta {
  role?: string
  content?: string | null
  /** vLLM's current name for reasoning text. */
  reasoning?: string | null
  /** The older vLLM / DeepSeek name for the same thing. */
  reasoning_content?: string | null
  refusal?: string | null
  tool_calls?: OpenAIToolCallDelta[] | null
}

export interface OpenAIChunk {
  id?: string
  object?: string
  created?: number
  model?: string
  choices?: Array<{ index?: number; delta?: OpenAIChunkDelta; finish_reason?: string | null; stop_reason?: unknown }>
  usage?: OpenAIUsage | null
  error?: { message?: string; type?: string; code?: unknown }
}
