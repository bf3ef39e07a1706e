// The text of an Anthropic Messages request that its input tokens are counted from, and the tokens
// it costs beside its text (images, documents, message framing, tool use). Cheap and linear, with no
// tokenizer: it runs on the thread that serves the request, the count itself elsewhere
// (./estimate-anthropic-input-tokens.ts).

/** What Anthropic charges for a ~1.15 megapixel image, the largest size it does not downscale. */
const TOKENS_PER_IMAGE = 1600
/** A PDF page is charged as text plus an image; a document's page count is unknown here. */
const TOKENS_PER_DOCUMENT = 3000
/** Role markers and message framing. */
const TOKENS_PER_MESSAGE = 4
/** The instructions Anthropic adds when tools are present. */
const TOKENS_FOR_TOOL_USE = 300

/** At most this much text is tokenized; the rest is counted at the rate of what was. */
export const MAX_EXACT_CHARS = 512 * 1024

/** The text of a request to tokenize, and the tokens it costs beside its text. */
export function gatherInputText(body: Record<string, unknown>): { text: string; fixed: number } {
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
  return { text: texts.join('\n'), fixed }
}
