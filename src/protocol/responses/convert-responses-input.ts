// Responses `input` (a string, or a list of items) -> Chat Completions messages.
//   - message items: user text and images as a user message; assistant output_text as assistant
//     content; system and developer messages before the conversation starts join the system
//     prompt, later ones travel as user text (Qwen-style chat templates refuse a system message
//     that is not first).
//   - function_call items join the assistant message they follow (one message, several tool_calls);
//     function_call_output items become `tool` messages, images in them a user message after the
//     results. An output whose call_id answers no earlier call is a 400; a call left unanswered gets
//     a placeholder result, since Chat Completions refuses a call without one.
//   - reasoning items have no place in a Chat Completions history and are dropped; the signed ones
//     (an Anthropic thinking block's signature, carried in encrypted_content) are kept aside, by
//     the call they came before, for a translation to Anthropic.
//   - items of OpenAI's hosted tools (web search, file search, computer use, MCP, custom tools, ...)
//     are dropped with a warning; item_reference needs the stored conversation the gateway does not
//     keep, and an item type nobody knows is a 400.
import { GatewayError } from '../../errors/gateway-error'
import { isRecord, typeName } from '../convert/is-record'
import { sanitizeToolId } from '../convert/sanitize-tool-id'
import type { TranslationWarning } from '../translation-warning'
import { completeArguments } from './complete-arguments'
import { quoted } from './quoted'
import { flatToolName } from './tool-name'

type ChatPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } } | { type: 'file'; file: { file_data: string; filename?: string } }
type ChatMessage = Record<string, unknown>

/** A signed thinking block, as Anthropic wants it back before the tool call it led to. */
export interface SignedThinking {
  thinking: string
  signature: string
}

export interface ConvertedInput {
  /** Texts of the system prompt: instructions, then the system and developer messages that open the input. */
  system: string[]
  messages: ChatMessage[]
  /** Sanitised call id -> the signed thinking that came right before the call. */
  thinking: Map<string, SignedThinking[]>
}

export interface InputOptions {
  /**
   * The backend the messages are for. `anthropic` keeps PDF files as `file` parts (they become
   * documents) and the signed thinking; `chat` drops both, which a Chat Completions backend cannot take.
   */
  target: 'chat' | 'anthropic'
}

/** Items of OpenAI's hosted tools: results only its platform produced and could use again. */
const HOSTED_ITEM_TYPES = new Set([
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'tool_search_call',
  'tool_search_output',
  'compaction',
])

const PLACEHOLDER_RESULT = 'No result was provided for this tool call.'

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(400, 'invalid_request_error', message, { param })
}

export function convertResponsesInput(input: unknown, options: InputOptions, warnings: TranslationWarning[]): ConvertedInput {
  const items: unknown[] = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : Array.isArray(input) ? input : []
  if (typeof input !== 'string' && !Array.isArray(input)) throw invalid('input: expected a string or an array of input items', 'input')

  const system: string[] = []
  const messages: ChatMessage[] = []
  const thinking = new Map<string, SignedThinking[]>()
  /** The assistant message being assembled (text and calls of one turn), not yet pushed. */
  let assistant: { texts: string[]; calls: Record<string, unknown>[] } | null = null
  /** Calls pushed and not yet answered, in order (a Set: a turn may hold many calls, answered in any order). */
  let pending = new Set<string>()
  /** Every call id seen, so that an output for an unknown call is told from a repeated one. */
  const calls = new Set<string>()
  let resultImages: ChatPart[] = []
  let signed: SignedThinking[] = []
  let droppedReasoning = 0
  let started = false

  function closeAssistant() {
    if (!assistant) return
    const texts = assistant.texts
    const msg: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('\n\n') : null }
    if (assistant.calls.length > 0) msg.tool_calls = assistant.calls
    if (texts.length > 0 || assistant.calls.length > 0) messages.push(msg)
    pending = new Set(assistant.calls.map((c) => c.id as string))
    assistant = null
  }

  /** Before anything but a tool result: unanswered calls get their placeholder, result images their message. */
  function endToolResults() {
    closeAssistant()
    for (const id of pending) {
      warnings.push({ type: 'adapted', what: 'placeholder-tool-result' })
      messages.push({ role: 'tool', tool_call_id: id, content: PLACEHOLDER_RESULT })
    }
    pending = new Set()
    if (resultImages.length > 0) {
      messages.push({ role: 'user', content: resultImages })
      resultImages = []
    }
  }

  function openAssistant() {
    if (assistant) return assistant
    endToolResults()
    assistant = { texts: [], calls: [] }
    return assistant
  }

  items.forEach((raw, i) => {
    const at = `input[${i}]`
    if (!isRecord(raw)) throw invalid(`${at}: expected an input item object`, at)
    const type = raw.type ?? (raw.role !== undefined ? 'message' : undefined)
    switch (type) {
      case 'message': {
        const role = raw.role
        if (role === 'system' || role === 'developer') {
          const text = textOf(raw.content, at, warnings, i)
          if (!started) {
            if (text !== '') system.push(text)
          } else {
            endToolResults()
            signed = []
            warnings.push({ type: 'adapted', what: 'system-message-sent-as-user', message: i })
            if (text !== '') messages.push({ role: 'user', content: text })
          }
          return
        }
        started = true
        if (role === 'assistant') {
          const text = textOf(raw.content, at, warnings, i)
          if (text !== '') openAssistant().texts.push(text)
          return
        }
        if (role !== 'user') throw invalid(`${at}.role: expected "user", "assistant", "system" or "developer", got ${quoted(role)}`, `${at}.role`)
        const parts = userParts(raw.content, at, options, warnings, i)
        endToolResults()
        signed = []
        if (parts.length === 0) return
        // A plain string is what every backend's chat template accepts; parts only when images need it.
        messages.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('\n\n') : parts })
        return
      }
      case 'function_call': {
        started = true
        const callId = raw.call_id
        if (typeof callId !== 'string' || callId === '') throw invalid(`${at}.call_id: expected the call's id`, `${at}.call_id`)
        if (typeof raw.name !== 'string' || raw.name === '') throw invalid(`${at}.name: expected the called function's name`, `${at}.name`)
        if (calls.has(callId)) throw invalid(`${at}.call_id: ${quoted(callId)} is used by an earlier function_call`, `${at}.call_id`)
        calls.add(callId)
        const name = typeof raw.namespace === 'string' && raw.namespace !== '' ? flatToolName(raw.namespace, raw.name) : raw.name
        // Backends parse the arguments of past calls (vLLM fills chat templates with them): a model's
        // malformed ones go back as `{}`, the tool's answer to them still says what went wrong.
        const args = typeof raw.arguments === 'string' ? completeArguments(raw.arguments) : isRecord(raw.arguments) ? JSON.stringify(raw.arguments) : '{}'
        openAssistant().calls.push({ id: callId, type: 'function', function: { name, arguments: args } })
        if (signed.length > 0) {
          thinking.set(sanitizeToolId(callId), signed)
          signed = []
        }
        return
      }
      case 'function_call_output': {
        const callId = raw.call_id
        if (typeof callId !== 'string' || callId === '') throw invalid(`${at}.call_id: expected the id of the call it answers`, `${at}.call_id`)
        closeAssistant()
        if (!pending.delete(callId)) {
          const why = calls.has(callId) ? 'was already answered, or answered after other messages' : 'matches no function_call before it'
          throw invalid(`${at}: function_call_output for call_id ${quoted(callId)} ${why}`, `${at}.call_id`)
        }
        const { text, images } = outputContent(raw.output, at, warnings, i)
        messages.push({ role: 'tool', tool_call_id: callId, content: text })
        resultImages.push(...images)
        return
      }
      case 'reasoning': {
        droppedReasoning++
        const text = reasoningText(raw)
        // Kept for the next call of the turn: Anthropic wants the thinking before the calls it led to.
        if (options.target === 'anthropic' && typeof raw.encrypted_content === 'string' && raw.encrypted_content !== '' && text !== '') {
          signed.push({ thinking: text, signature: raw.encrypted_content })
        }
        return
      }
      case 'item_reference':
        throw invalid(`${at}: item_reference points into a stored conversation, which the gateway does not keep; send the items themselves`, at)
      default:
        if (typeof type === 'string' && HOSTED_ITEM_TYPES.has(type)) {
          warnings.push({ type: 'dropped-content', kind: 'item', contentType: type, message: i })
          return
        }
        throw invalid(`${at}.type: unknown input item type ${quoted(type)}`, `${at}.type`)
    }
  })
  endToolResults()
  if (droppedReasoning > 0) warnings.push({ type: 'adapted', what: 'thinking-dropped-from-history', count: droppedReasoning })
  return { system, messages, thinking }
}

/** The text of a message's content: a string, or its text, output_text and refusal parts joined. */
function textOf(content: unknown, at: string, warnings: TranslationWarning[], i: number): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw invalid(`${at}.content: expected a string or an array of content parts`, `${at}.content`)
  const texts: string[] = []
  for (const part of content) {
    if (!isRecord(part)) throw invalid(`${at}.content: expected an array of content part objects`, `${at}.content`)
    if ((part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string') texts.push(part.text)
    else if (part.type === 'refusal' && typeof part.refusal === 'string') texts.push(part.refusal)
    else warnings.push({ type: 'dropped-content', kind: 'part', contentType: typeName(part.type), message: i })
  }
  return texts.filter((t) => t !== '').join('\n\n')
}

function userParts(content: unknown, at: string, options: InputOptions, warnings: TranslationWarning[], i: number): ChatPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) throw invalid(`${at}.content: expected a string or an array of content parts`, `${at}.content`)
  const parts: ChatPart[] = []
  for (const part of content) {
    if (!isRecord(part)) throw invalid(`${at}.content: expected an array of content part objects`, `${at}.content`)
    const converted = contentPart(part, options, warnings, i)
    if (converted) parts.push(converted)
  }
  return parts
}

function contentPart(part: Record<string, unknown>, options: InputOptions, warnings: TranslationWarning[], i: number): ChatPart | null {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return typeof part.text === 'string' && part.text !== '' ? { type: 'text', text: part.text } : null
    case 'input_image': {
      // A file_id points into OpenAI's file store, which no other backend can read.
      if (typeof part.image_url === 'string' && /^(data:image\/|https?:\/\/)/i.test(part.image_url)) {
        const detail = typeof part.detail === 'string' && part.detail !== 'auto' ? { detail: part.detail } : {}
        return { type: 'image_url', image_url: { url: part.image_url, ...detail } }
      }
      warnings.push({ type: 'dropped-content', kind: 'image', contentType: null, message: i })
      return null
    }
    case 'input_file':
      if (options.target === 'anthropic' && typeof part.file_data === 'string' && part.file_data.startsWith('data:application/pdf;base64,')) {
        return { type: 'file', file: { file_data: part.file_data, ...(typeof part.filename === 'string' ? { filename: part.filename } : {}) } }
      }
      warnings.push({ type: 'dropped-content', kind: 'file', contentType: null, message: i })
      return null
    default:
      warnings.push({ type: 'dropped-content', kind: 'part', contentType: typeName(part.type), message: i })
      return null
  }
}

/** A function_call_output's result: its text, and the images it holds (a Chat tool message carries text only). */
function outputContent(output: unknown, at: string, warnings: TranslationWarning[], i: number): { text: string; images: ChatPart[] } {
  if (typeof output === 'string') return { text: output, images: [] }
  if (!Array.isArray(output)) throw invalid(`${at}.output: expected a string or an array of content parts`, `${at}.output`)
  const texts: string[] = []
  const images: ChatPart[] = []
  for (const part of output) {
    if (!isRecord(part)) throw invalid(`${at}.output: expected an array of content part objects`, `${at}.output`)
    const converted = contentPart(part, { target: 'chat' }, warnings, i)
    if (converted?.type === 'text') texts.push(converted.text)
    else if (converted) images.push(converted)
  }
  return { text: texts.join('\n\n'), images }
}

/** The text of a reasoning item: its reasoning_text content, else its summary. */
function reasoningText(item: Record<string, unknown>): string {
  for (const key of ['content', 'summary']) {
    const parts = item[key]
    if (!Array.isArray(parts)) continue
    const text = parts.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('')
    if (text !== '') return text
  }
  return ''
}
