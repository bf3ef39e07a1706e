// OpenAI chat.completion -> Responses API response, for a Responses client on a Chat Completions
// backend: reasoning, then the message, then each tool call as its own output item, as the stream
// translation (./chat-to-responses-stream.ts) lists them.
import { GatewayError } from '../../errors/gateway-error'
import { createId } from '../convert/create-id'
import { isRecord } from '../convert/is-record'
import { completeArguments } from './complete-arguments'
import { chatUsageToResponses } from './convert-responses-usage'
import { outcomeOfFinishReason } from './map-responses-status'
import { responseObject, responsesUsage } from './response-object'
import { clientToolName } from './tool-name'
import type { NamespacedNames, OutputItem, ResponseEcho } from './types'

export function chatToResponsesResponse(body: unknown, options: { model: string; echo: ResponseEcho | null; namespaced: NamespacedNames | null; createdAt?: number }): Record<string, unknown> {
  if (!isRecord(body) || !Array.isArray(body.choices)) {
    throw new GatewayError(502, 'api_error', 'the upstream returned a malformed chat completion')
  }
  const choice = body.choices.find((c) => isRecord(c) && (c.index === 0 || c.index === undefined)) ?? body.choices[0]
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {}
  const outcome = outcomeOfFinishReason(isRecord(choice) ? choice.finish_reason : undefined)

  const output: OutputItem[] = []
  const reasoning = firstString(message.reasoning, message.reasoning_content)
  if (reasoning !== '') output.push({ type: 'reasoning', id: createId('rs_'), summary: [], content: [{ type: 'reasoning_text', text: reasoning }] })
  const text = [message.content, message.refusal].filter((t): t is string => typeof t === 'string' && t !== '').join('')
  if (text !== '') {
    output.push({ type: 'message', id: createId('msg_'), status: outcome.status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] })
  }
  if (Array.isArray(message.tool_calls)) {
    const usedIds = new Set<string>()
    for (const call of message.tool_calls) {
      if (!isRecord(call)) continue
      const fn = isRecord(call.function) ? call.function : {}
      if (typeof fn.name !== 'string' || fn.name === '') continue
      let callId = typeof call.id === 'string' && call.id !== '' ? call.id : createId('call_')
      // Some backends repeat ids across calls; the client answers by id, so they must differ.
      if (usedIds.has(callId)) callId = `${callId}_${usedIds.size}`
      usedIds.add(callId)
      const args = typeof fn.arguments === 'string' ? completeArguments(fn.arguments) : isRecord(fn.arguments) ? JSON.stringify(fn.arguments) : '{}'
      output.push({ type: 'function_call', id: createId('fc_'), status: 'completed', call_id: callId, ...clientToolName(fn.name, options.namespaced), arguments: args })
    }
  }

  const usage = chatUsageToResponses(body.usage) ?? responsesUsage(0, 0, 0, 0)
  const id = typeof body.id === 'string' && body.id !== '' ? `resp_${body.id.replace(/^chatcmpl-/, '')}` : createId('resp_')
  return responseObject(
    { id, createdAt: options.createdAt ?? Math.floor(Date.now() / 1000), model: options.model, status: outcome.status, output, usage, ...(outcome.reason ? { incompleteReason: outcome.reason } : {}) },
    options.echo,
  )
}

function firstString(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v !== '') return v
  return ''
}
