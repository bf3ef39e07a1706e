// Anthropic message -> Responses API response, for a Responses client on an Anthropic backend:
// content blocks in order, thinking as reasoning items (signature as encrypted_content, see
// ./anthropic-to-responses-stream.ts), consecutive text blocks as one message, tool_use blocks as
// function calls.
import { GatewayError } from '../../errors/gateway-error'
import { createId } from '../convert/create-id'
import { isRecord } from '../convert/is-record'
import { anthropicUsageToResponses } from './convert-responses-usage'
import { outcomeOfStopReason } from './map-responses-status'
import { responseObject } from './response-object'
import { clientToolName } from './tool-name'
import type { MessageItem, NamespacedNames, OutputItem, ResponseEcho } from './types'

export function anthropicToResponsesResponse(body: unknown, options: { model: string; echo: ResponseEcho | null; namespaced: NamespacedNames | null; createdAt?: number }): Record<string, unknown> {
  if (!isRecord(body) || !Array.isArray(body.content)) {
    throw new GatewayError(502, 'api_error', 'the upstream returned a malformed message')
  }
  const outcome = outcomeOfStopReason(body.stop_reason)
  const output: OutputItem[] = []
  let message: MessageItem | undefined
  for (const block of body.content) {
    if (!isRecord(block)) continue
    if (block.type === 'text' && typeof block.text === 'string') {
      if (block.text === '') continue
      if (message) message.content[0]!.text += block.text
      else {
        message = { type: 'message', id: createId('msg_'), status: outcome.status, role: 'assistant', content: [{ type: 'output_text', text: block.text, annotations: [], logprobs: [] }] }
        output.push(message)
      }
      continue
    }
    message = undefined
    if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '') {
      const signature = typeof block.signature === 'string' && block.signature !== '' ? { encrypted_content: block.signature } : {}
      output.push({ type: 'reasoning', id: createId('rs_'), summary: [], content: [{ type: 'reasoning_text', text: block.thinking }], ...signature })
    } else if (block.type === 'tool_use' && typeof block.name === 'string' && typeof block.id === 'string') {
      const args = JSON.stringify(isRecord(block.input) ? block.input : {})
      output.push({ type: 'function_call', id: createId('fc_'), status: 'completed', call_id: block.id, ...clientToolName(block.name, options.namespaced), arguments: args })
    }
    // redacted_thinking and server-tool blocks have no Responses item the client could send back.
  }
  const id = typeof body.id === 'string' && body.id !== '' ? `resp_${body.id.replace(/^msg_/, '')}` : createId('resp_')
  return responseObject(
    {
      id,
      createdAt: options.createdAt ?? Math.floor(Date.now() / 1000),
      model: options.model,
      status: outcome.status,
      output,
      usage: anthropicUsageToResponses(body.usage),
      ...(outcome.reason ? { incompleteReason: outcome.reason } : {}),
    },
    options.echo,
  )
}
