// OpenAI chat.completion -> Anthropic message, for a /v1/messages client on an OpenAI backend.
import { GatewayError } from '../../errors/gateway-error'
import type { AnthropicStopReason } from '../anthropic/types'
import { convertOpenAIUsage } from './convert-openai-usage'
import { createId } from './create-id'
import { isRecord } from './is-record'
import { mapOpenAIFinishReason } from './map-openai-finish-reason'
import { parseToolArguments } from './parse-tool-arguments'
import { sanitizeToolId } from './sanitize-tool-id'

export function openAIToAnthropicResponse(body: unknown, options: { model: string }): Record<string, unknown> {
  if (!isRecord(body) || !Array.isArray(body.choices)) {
    throw new GatewayError(502, 'api_error', 'the upstream returned a malformed chat completion')
  }
  const choice = body.choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined)) ?? body.choices[0]
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {}

  const content: Record<string, unknown>[] = []
  const reasoning = firstString(message.reasoning, message.reasoning_content)
  // Chat Completions reasoning carries no signature; an empty one keeps the block's shape.
  if (reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' })
  const text = typeof message.content === 'string' ? message.content : ''
  if (text !== '') content.push({ type: 'text', text })
  const refusal = typeof message.refusal === 'string' ? message.refusal : ''
  if (refusal !== '') content.push({ type: 'text', text: refusal })
  if (Array.isArray(message.tool_calls)) {
    const usedIds = new Set<string>()
    for (const call of message.tool_calls) {
      if (!isRecord(call)) continue
      const fn = isRecord(call.function) ? call.function : {}
      let id = sanitizeToolId(call.id)
      // Some backends repeat ids across calls; the client answers by id, so they must differ.
      if (usedIds.has(id)) id = `${id}_${usedIds.size}`
      usedIds.add(id)
      content.push({
        type: 'tool_use',
        id,
        name: typeof fn.name === 'string' ? fn.name : '',
        input: parseToolArguments(fn.arguments),
      })
    }
  }

  const finish = isRecord(choice) ? choice.finish_reason : undefined
  let stopReason: AnthropicStopReason = mapOpenAIFinishReason(finish)
  let stopSequence: string | null = null
  const hasToolUse = content.some((b) => b.type === 'tool_use')
  // Some backends (vLLM among them) answer tool calls with finish_reason "stop".
  if (hasToolUse && stopReason === 'end_turn') stopReason = 'tool_use'
  if (refusal !== '' && stopReason === 'end_turn') stopReason = 'refusal'
  // vLLM names the stop string that matched; OpenAI does not.
  if (stopReason === 'end_turn' && isRecord(choice) && typeof choice.stop_reason === 'string') {
    stopReason = 'stop_sequence'
    stopSequence = choice.stop_reason
  }

  return {
    id: typeof body.id === 'string' && body.id !== '' ? `msg_${body.id.replace(/^chatcmpl-/, '')}` : createId('msg_'),
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: convertOpenAIUsage(body.usage),
  }
}

function firstString(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v !== '') return v
  return ''
}
