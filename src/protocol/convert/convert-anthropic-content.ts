// Content-level pieces of the Anthropic -> OpenAI request conversion: images, documents, text of
// system prompts and tool results. Each returns what it could convert and records what it dropped.
import type { TranslationWarning } from '../translation-warning'
import { isRecord, typeName } from './is-record'

export type OpenAIPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }

/** An Anthropic image block as an OpenAI image part: base64 becomes a data URL, a URL stays a URL. */
export function convertAnthropicImage(block: Record<string, unknown>, warnings: TranslationWarning[]): OpenAIPart | undefined {
  const source = isRecord(block.source) ? block.source : {}
  if (source.type === 'base64' && typeof source.data === 'string') {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : 'image/png'
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${source.data}` } }
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } }
  warnings.push({ type: 'dropped-content', kind: 'image', contentType: typeName(source.type) })
  return undefined
}

/**
 * A document block as text when its source is text (plain text or a content array); PDFs and
 * file references have no Chat Completions twin that OpenAI-compatible backends agree on.
 */
export function convertAnthropicDocument(block: Record<string, unknown>, warnings: TranslationWarning[]): OpenAIPart | undefined {
  const source = isRecord(block.source) ? block.source : {}
  const title = typeof block.title === 'string' && block.title !== '' ? `${block.title}\n\n` : ''
  if (source.type === 'text' && typeof source.data === 'string') return { type: 'text', text: title + source.data }
  if (source.type === 'content') {
    const text = textOfBlocks(source.content)
    if (text !== '') return { type: 'text', text: title + text }
  }
  warnings.push({ type: 'dropped-content', kind: 'document', contentType: typeName(source.type) })
  return undefined
}

/** The text of a string or of the text blocks of an array, blocks joined by a blank line. */
export function textOfBlocks(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  const texts: string[] = []
  for (const block of content) {
    if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') texts.push(block.text)
  }
  return texts.join('\n\n')
}

/**
 * A tool_result's content as the text of a tool message, plus the images it carried: tool messages
 * take text only on most backends, so the images travel in the user message that follows.
 */
export function convertToolResultContent(
  block: Record<string, unknown>,
  warnings: TranslationWarning[],
): { text: string; images: OpenAIPart[] } {
  const images: OpenAIPart[] = []
  let text = ''
  if (typeof block.content === 'string') text = block.content
  else if (Array.isArray(block.content)) {
    const texts: string[] = []
    for (const item of block.content) {
      if (!isRecord(item)) continue
      if (item.type === 'text' && typeof item.text === 'string') texts.push(item.text)
      else if (item.type === 'image') {
        const image = convertAnthropicImage(item, warnings)
        if (image) images.push(image)
      } else if (item.type === 'document') {
        const doc = convertAnthropicDocument(item, warnings)
        if (doc?.type === 'text') texts.push(doc.text)
      }
    }
    text = texts.join('\n\n')
  }
  // Chat Completions has no is_error flag; the model still has to know the call failed.
  if (block.is_error === true) text = text === '' ? 'Error' : `Error: ${text}`
  return { text, images }
}
