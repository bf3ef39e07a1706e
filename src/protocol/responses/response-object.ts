// The Responses API `response` object, as a translated answer states it: whole (non-streamed), and
// inside the lifecycle events of a stream (response.created ... response.completed). Fields the
// gateway cannot know (tools, instructions, metadata) are stated empty rather than echoed: a
// Codex request carries tens of KB of tools, and a stream states the response three times.
import type { IncompleteReason, OutputItem, ResponseEcho, ResponseStatus, ResponsesUsage } from './types'

export interface ResponseState {
  id: string
  createdAt: number
  model: string
  status: ResponseStatus
  output: OutputItem[]
  usage: ResponsesUsage | null
  incompleteReason?: IncompleteReason
  error?: { code: string; message: string }
}

const DEFAULT_ECHO: ResponseEcho = {
  tool_choice: 'auto',
  parallel_tool_calls: true,
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  store: false,
  reasoning: { effort: null, summary: null },
}

export function responseObject(state: ResponseState, echo: ResponseEcho | null): Record<string, unknown> {
  const e = echo ?? DEFAULT_ECHO
  return {
    id: state.id,
    object: 'response',
    created_at: state.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: null,
    max_output_tokens: e.max_output_tokens,
    model: state.model,
    output: state.output,
    parallel_tool_calls: e.parallel_tool_calls,
    previous_response_id: null,
    reasoning: e.reasoning,
    store: e.store,
    temperature: e.temperature,
    text: { format: { type: 'text' } },
    tool_choice: e.tool_choice,
    tools: [],
    top_p: e.top_p,
    truncation: 'disabled',
    usage: state.usage,
    metadata: {},
  }
}

/** The usage object of a response, from token counts. */
export function responsesUsage(input: number, cached: number, output: number, reasoning: number): ResponsesUsage {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  }
}
