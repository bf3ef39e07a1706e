// Anthropic messages -> OpenAI messages (without the leading system message).
// Chat Completions is stricter about order than it looks: every assistant tool call must be answered
// by a `tool` message before the next user or assistant message, and many chat templates (Qwen,
// Llama) reject a system message that is not first. So tool results go first, a mid-conversation
// system message travels as user text, and unanswered calls get a placeholder result.
import { GatewayError } from '../../errors/gateway-error'
import {
  convertAnthropicDocument,
  convertAnthropicImage,
  convertToolResultContent,
  textOfBlocks,
  type OpenAIPart,
} from './convert-anthropic-content'
import { isRecord, typeName } from './is-record'
import type { TranslationWarning } from '../translation-warning'

type OutMessage = Record<string, unknown>

export function convertAnthropicMessages(messages: unknown[], warnings: TranslationWarning[]): OutMessage[] {
  const out: OutMessage[] = []
  // Tool call ids of the last assistant message that no tool message has answered yet.
  let pending = new Set<string>()
  let pendingSystem: string[] = []
  let droppedThinking = 0

  function answerPending() {
    for (const id of pending) {
      warnings.push({ type: 'adapted', what: 'placeholder-tool-result' })
      out.push({ role: 'tool', tool_call_id: id, content: 'No result was provided for this tool call.' })
    }
    pending = new Set()
  }

  function pushUser(parts: OpenAIPart[]) {
    answerPending()
    const allText = parts.every((p) => p.type === 'text')
    // A plain string is what every backend's chat template accepts; arrays only when images need it.
    const content = allText ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n\n') : parts
    out.push({ role: 'user', content })
  }

  function systemParts(): OpenAIPart[] {
    const parts = pendingSystem.map((text): OpenAIPart => ({ type: 'text', text }))
    pendingSystem = []
    return parts
  }

  messages.forEach((message, i) => {
    if (!isRecord(message)) throw invalid(`messages.${i}: expected an object`)
    const { role, content } = message
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw invalid(`messages.${i}.content: expected a string or an array of content blocks`)
    }
    const blocks: unknown[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content
    blocks.forEach((block, j) => {
      if (!isRecord(block)) throw invalid(`messages.${i}.content.${j}: expected an object`)
    })
    const records = blocks as Record<string, unknown>[]

    if (role === 'system') {
      const text = textOfBlocks(records)
      if (text !== '') pendingSystem.push(text)
      warnings.push({ type: 'adapted', what: 'system-message-sent-as-user', message: i })
    } else if (role === 'user') {
      const parts: OpenAIPart[] = []
      const resultImages: OpenAIPart[] = []
      for (const block of records) {
        switch (block.type) {
          case 'text':
            if (typeof block.text === 'string' && block.text !== '') parts.push({ type: 'text', text: block.text })
            break
          case 'image': {
            const image = convertAnthropicImage(block, warnings)
            if (image) parts.push(image)
            break
          }
          case 'document': {
            const doc = convertAnthropicDocument(block, warnings)
            if (doc) parts.push(doc)
            break
          }
          case 'tool_result': {
            const id = String(block.tool_use_id)
            const { text, images } = convertToolResultContent(block, warnings)
            resultImages.push(...images)
            if (pending.has(id)) {
              pending.delete(id)
              out.push({ role: 'tool', tool_call_id: id, content: text })
            } else {
              // A result for a call the backend never saw would be rejected; keep its text.
              warnings.push({ type: 'adapted', what: 'orphan-tool-result-sent-as-user', message: i })
              parts.push({ type: 'text', text: `Result of tool call ${id}:\n${text}` })
            }
            break
          }
          case 'thinking':
          case 'redacted_thinking':
            droppedThinking++
            break
          default:
            warnings.push({ type: 'dropped-content', kind: 'block', contentType: typeName(block.type), message: i })
        }
      }
      const all = [...systemParts(), ...parts, ...resultImages]
      if (all.length > 0) pushUser(all)
    } else if (role === 'assistant') {
      if (pendingSystem.length > 0) pushUser(systemParts())
      const texts: string[] = []
      const toolCalls: Record<string, unknown>[] = []
      for (const block of records) {
        switch (block.type) {
          case 'text':
            if (typeof block.text === 'string' && block.text !== '') texts.push(block.text)
            break
          case 'tool_use':
            toolCalls.push({
              id: String(block.id),
              type: 'function',
              function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
            })
            break
          // Backends reject reasoning in history, and signatures only mean something to Anthropic.
          case 'thinking':
          case 'redacted_thinking':
            droppedThinking++
            break
          default:
            warnings.push({ type: 'dropped-content', kind: 'block', contentType: typeName(block.type), message: i })
        }
      }
      if (texts.length === 0 && toolCalls.length === 0) return
      answerPending()
      const msg: OutMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('\n\n') : null }
      if (toolCalls.length > 0) msg.tool_calls = toolCalls
      out.push(msg)
      pending = new Set(toolCalls.map((c) => c.id as string))
    } else {
      throw invalid(`messages.${i}.role: expected "user" or "assistant", got ${JSON.stringify(role)}`)
    }
  })

  if (pendingSystem.length > 0) pushUser(systemParts())
  else answerPending()
  if (droppedThinking > 0) warnings.push({ type: 'adapted', what: 'thinking-dropped-from-history', count: droppedThinking })
  return out
}

function invalid(message: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', message)
}
