// An estimate of the input tokens of an Anthropic Messages request, for count_tokens and for the
// message_start of a translated stream, when the backend cannot count them itself. It uses a real
// BPE tokenizer (o200k, GPT-4o's): Claude's own tokenizer is not public, and o200k lands close
// enough for budgeting. All text is gathered into one string and tokenized once, which keeps a
// 50 KB Claude Code request in the low milliseconds.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'

/** What Anthropic charges for a ~1.15 megapixel image, the largest size it does not downscale. */
const TOKENS_PER_IMAGE = 1600
/** A PDF page is charged as text plus an image; a document's page count is unknown here. */
const TOKENS_PER_DOCUMENT = 3000
/** Role markers and message framing. */
const TOKENS_PER_MESSAGE = 4
/** The instructions Anthropic adds when tools are present. */
const TOKENS_FOR_TOOL_USE = 300

export function estimateAnthropicInputTokens(body: Record<string, unknown>): number {
  const texts: string[] = []
  let fixed = 0

  function visit(content: unknown) {
    if (typeof content === 'string') {
      texts.push(content)
      return
    }
    if (!Array.isArray(content)) return
    for (const block of content) {
      if (typeof block !== 'object' || block === null) continue
      const b = block as Record<string, unknown>
      switch (b.type) {
        case 'text':
          if (typeof b.text === 'string') texts.push(b.text)
          break
        case 'thinking':
          if (typeof b.thinking === 'string') texts.push(b.thinking)
          break
        case 'tool_use':
          texts.push(typeof b.name === 'string' ? b.name : '', JSON.stringify(b.input ?? {}))
          break
        case 'tool_result':
          visit(b.content)
          break
        case 'image':
          fixed += TOKENS_PER_IMAGE
          break
        case 'document':
          fixed += TOKENS_PER_DOCUMENT
          break
        default:
          break
      }
    }
  }

  visit(body.system)
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      fixed += TOKENS_PER_MESSAGE
      if (typeof message === 'object' && message !== null) visit((message as Record<string, unknown>).content)
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    fixed += TOKENS_FOR_TOOL_USE
    texts.push(JSON.stringify(body.tools))
  }
  return countTokens(texts.join('\n')) + fixed
}
