// How an upstream's reason to stop reads as a Responses status: a normal end (text, tool calls,
// a stop sequence, Anthropic's pause_turn) is `completed`; running out of tokens or being filtered
// is `incomplete`, with the reason the API names.
import type { IncompleteReason } from './types'

export interface ResponseOutcome {
  status: 'completed' | 'incomplete'
  reason?: IncompleteReason
}

const COMPLETED: ResponseOutcome = { status: 'completed' }
const TOO_LONG: ResponseOutcome = { status: 'incomplete', reason: 'max_output_tokens' }
const FILTERED: ResponseOutcome = { status: 'incomplete', reason: 'content_filter' }

/** A Chat Completions finish_reason; unknown or missing ones read as a normal end. */
export function outcomeOfFinishReason(reason: unknown): ResponseOutcome {
  if (reason === 'length') return TOO_LONG
  if (reason === 'content_filter') return FILTERED
  return COMPLETED
}

/** An Anthropic stop_reason; unknown or missing ones read as a normal end. */
export function outcomeOfStopReason(reason: unknown): ResponseOutcome {
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return TOO_LONG
  if (reason === 'refusal') return FILTERED
  return COMPLETED
}
