// OpenAI messages -> Anthropic system text and messages.
// System and developer messages, wherever they sit, are lifted into Anthropic's `system`.
// Consecutive tool messages become one user message of tool_result blocks (an Anthropic assistant
// turn's tool_use ids must all be answered in the very next message), and a user message that
// follows them joins the same turn, after the results, since Anthropic wants results first.
import { GatewayError } from '../../errors/gateway-error'
import type { TranslationWarning } from '../translation-warning'
import { isRecord, typeName } from './is-record'
import { parseToolArguments } from './parse-tool-arguments'
import { sanitizeToolId } from './sanitize-tool-id'

type Block = Record<string, unknown>
type OutMessage = { role: 'user' | 'assistant'; content: Block[] }

export function convertOpenAIMessages(messages: unknown[], warnings: TranslationWarning[]): { system: string[]; messages: OutMessage[] } {
  const system: string[] = []
  const out: OutMessage[] = []

  function push(role: 'user' | 'assistant', blocks: Block[]) {
    if (blocks.length === 0) return
    const last = out[out.length - 1]
    if (last && last.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }

  messages.forEach((message, i) => {
    if (!isRecord(message)) throw invalid(`messages.${i}: expected an object`)
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content)
        if (text !== '') system.push(text)
        return
      }
      case 'user':
        return push('user', userBlocks(message.content, i, warnings))
      case 'assistant': {
        const blocks: Block[] = []
        const text = textOf(message.content)
        // Anthropic rejects empty text blocks, and assistants with only tool calls send "".
        if (text !== '') blocks.push({ type: 'text', text })
        if (Array.isArray(message.tool_calls)) {
          for (const call of message.tool_calls) {
            if (!isRecord(call)) continue
            const fn = isRecord(call.function) ? call.function : {}
            const input = parseToolArguments(fn.arguments)
            if (typeof fn.arguments === 'string' && fn.arguments.trim() !== '' && Object.keys(input).length === 0 && fn.arguments.trim() !== '{}') {
              warnings.push({ type: 'adapted', what: 'tool-arguments-not-an-object', message: i })
            }
            blocks.push({ type: 'tool_use', id: sanitizeToolId(call.id), name: String(fn.name ?? ''), input })
          }
        }
        if (message.function_call !== undefined) warnings.push({ type: 'adapted', what: 'legacy-function-call-dropped', message: i })
        return push('assistant', blocks)
      }
      case 'tool': {
        const block: Block = { type: 'tool_result', tool_use_id: sanitizeToolId(message.tool_call_id) }
        const text = textOf(message.content)
        if (text !== '') block.content = text
        return push('user', [block])
      }
      case 'function':
        warnings.push({ type: 'adapted', what: 'legacy-function-message-dropped', message: i })
        return
      default:
        throw invalid(`messages.${i}.role: unknown role ${JSON.stringify(message.role)}`)
    }
  })

  for (const message of out) {
    if (message.role !== 'user') continue
    const results = message.content.filter((b) => b.type === 'tool_result')
    if (results.length > 0) message.content = [...results, ...message.content.filter((b) => b.type !== 'tool_result')]
  }
  return { system, messages: out }
}

function userBlocks(content: unknown, i: number, warnings: TranslationWarning[]): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) throw invalid(`messages.${i}.content: expected a string or an array of parts`)
  const blocks: Block[] = []
  for (const part of content) {
    if (!isRecord(part)) throw invalid(`messages.${i}.content: expected an array of objects`)
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text })
    } else if (part.type === 'image_url') {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
      const source = typeof url === 'string' ? sourceFromUrl(url) : undefined
      if (source) blocks.push({ type: 'image', source })
      else warnings.push({ type: 'dropped-content', kind: 'image', contentType: null, message: i })
    } else if (part.type === 'file' && isRecord(part.file) && typeof part.file.file_data === 'string') {
      const source = sourceFromUrl(part.file.file_data)
      if (source?.type === 'base64' && source.media_type === 'application/pdf') blocks.push({ type: 'document', source })
      else warnings.push({ type: 'dropped-content', kind: 'file', contentType: null, message: i })
    } else {
      warnings.push({ type: 'dropped-content', kind: 'part', contentType: typeName(part.type), message: i })
    }
  }
  return blocks
}

function sourceFromUrl(url: string): Record<string, unknown> | undefined {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  if (data) return { type: 'base64', media_type: data[1], data: data[2] }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url }
  return undefined
}

/** Text of a string or of text/refusal parts, joined by a blank line. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  const texts: string[] = []
  for (const part of content) {
    if (!isRecord(part)) continue
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text)
    else if (part.type === 'refusal' && typeof part.refusal === 'string') texts.push(part.refusal)
  }
  return texts.join('\n\n')
}

function invalid(message: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', message)
}
