// Responses API request -> Anthropic Messages request: the Responses request is first expressed in
// Chat Completions terms (./responses-to-chat-request.ts, which knows every Responses field), then
// the gateway's Chat Completions -> Messages translation does the rest (../convert/), so the two
// paths to Anthropic cannot disagree. What Chat Completions has no word for is put back after:
// the signed thinking blocks a tool-using turn started with, which Anthropic requires again when
// thinking is on (the signature came to the client as the reasoning item's encrypted_content).
import { isRecord } from '../convert/is-record'
import { openAIToAnthropicRequest } from '../convert/openai-to-anthropic-request'
import type { TranslationWarning } from '../translation-warning'
import type { SignedThinking } from './convert-responses-input'
import { type ResponsesToChatResult, responsesToChatRequest } from './responses-to-chat-request'

export interface ResponsesToAnthropicOptions {
  model: string
  /** max_tokens when the client sets no max_output_tokens (Anthropic requires one). */
  defaultMaxTokens: number
  maxOutputTokens?: number
}

export type ResponsesToAnthropicResult = Omit<ResponsesToChatResult, 'thinking'>

export function responsesToAnthropicRequest(body: Record<string, unknown>, options: ResponsesToAnthropicOptions): ResponsesToAnthropicResult {
  const chat = responsesToChatRequest(body, { model: options.model, target: 'anthropic' })
  const limits = { model: options.model, defaultMaxTokens: options.defaultMaxTokens, ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }) }
  const { body: out, warnings } = openAIToAnthropicRequest(chat.body, limits)
  addSignedThinking(out.messages as Record<string, unknown>[], chat.thinking)
  keepThinkingValid(out, warnings)
  return { body: out, warnings: [...chat.warnings, ...warnings], namespaced: chat.namespaced, echo: chat.echo }
}

/** Puts each turn's signed thinking in front of its tool_use blocks, as Anthropic sent it. */
function addSignedThinking(messages: Record<string, unknown>[], thinking: Map<string, SignedThinking[]>): void {
  if (thinking.size === 0) return
  for (const message of messages) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue
    const blocks = message.content as Record<string, unknown>[]
    const signed = blocks.flatMap((b) => (b.type === 'tool_use' ? (thinking.get(b.id as string) ?? []) : []))
    if (signed.length === 0) continue
    message.content = [...signed.map((t) => ({ type: 'thinking', thinking: t.thinking, signature: t.signature })), ...blocks]
  }
}

/**
 * With thinking on, Anthropic refuses a final tool-using turn that does not start with its thinking
 * block (a conversation begun on another backend has none to give back): thinking is turned off
 * for such a request rather than have it refused.
 */
function keepThinkingValid(out: Record<string, unknown>, warnings: TranslationWarning[]): void {
  if (!isRecord(out.thinking)) return
  const last = (out.messages as Record<string, unknown>[]).findLast((m) => m.role === 'assistant')
  const blocks = last && Array.isArray(last.content) ? (last.content as Record<string, unknown>[]) : []
  if (!blocks.some((b) => b.type === 'tool_use') || blocks[0]?.type === 'thinking') return
  delete out.thinking
  warnings.push({ type: 'adapted', what: 'thinking-dropped-for-unsigned-tool-turn' })
}
