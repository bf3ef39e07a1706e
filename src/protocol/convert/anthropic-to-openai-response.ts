// Anthropic message -> OpenAI chat.completion, for a /v1/chat/completions client on an Anthropic backend.
import { GatewayError } from '../../errors/gateway-error'
import { convertAnthropicUsage } from './convert-anthropic-usage'
import { createId } from './create-id'
import { isRecord } from './is-record'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason'

export function anthropicToOpenAIResponse(
  body: unknown,
  options: { model: string; created?: number },
): Record<string, unknown> {
  if (!isRecord(body) || !Array.isArray(body.content)) {
    throw new GatewayError(502, 'api_error', 'the upstream returned a malformed message')
  }
  const texts: string[] = []
  const reasoning: string[] = []
  const toolCalls: Record<string, unknown>[] = []
  for (const block of body.content) {
    if (!isRecord(block)) continue
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text)
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning.push(block.thinking)
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      })
    }
    // redacted_thinking and server-tool blocks have no Chat Completions field.
  }

  const message: Record<string, unknown> = {
    role: 'assistant',
    // Anthropic splits text around tool calls into several blocks; they were one answer.
    content: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '',
    refusal: null,
  }
  if (reasoning.length > 0) message.reasoning_content = reasoning.join('\n\n')
  if (toolCalls.length > 0) message.tool_calls = toolCalls

  return {
    id: typeof body.id === 'string' && body.id !== '' ? `chatcmpl-${body.id.replace(/^msg_/, '')}` : createId('chatcmpl-'),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: mapAnthropicStopReason(body.stop_reason) }],
    usage: convertAnthropicUsage(body.usage),
  }
}
