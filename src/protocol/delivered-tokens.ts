// Estimates of the output tokens a stream has delivered, for a stream that ends before the upstream
// reported its usage (a client that disconnects just before the end must not keep the answer for
// free). Both upstream formats are counted the way they stream: OpenAI-format backends (vLLM,
// OpenAI) send about one token a chunk, so each chunk with output counts one; Anthropic sends a few
// tokens a delta, so a delta counts about four characters a token of its text, and at least one.

/** Output tokens of one Anthropic delta carrying `chars` characters of text, thinking or tool input. */
export function anthropicDeltaTokens(chars: number): number {
  return Math.max(1, Math.round(chars / 4))
}

const DELTA_TEXT_MARKERS = ['"text":"', '"partial_json":"', '"thinking":"']

/**
 * The characters of text an Anthropic `content_block_delta` event carries, read without parsing it:
 * its data ends with the text's closing `"}}`. Escapes count as written (close enough).
 */
export function anthropicDeltaChars(data: string): number {
  for (const marker of DELTA_TEXT_MARKERS) {
    const at = data.indexOf(marker)
    if (at !== -1) return Math.max(0, data.length - (at + marker.length) - 3)
  }
  return 0
}

/**
 * The characters of the JSON string value that follows `marker` (a key and its opening quote) in
 * `data`, read without parsing: up to the next quote that no backslash escapes. 0 without it.
 */
export function stringValueChars(data: string, marker: string): number {
  const at = data.indexOf(marker)
  if (at === -1) return 0
  const start = at + marker.length
  let i = start
  for (;;) {
    const quote = data.indexOf('"', i)
    if (quote === -1) return data.length - start
    let slashes = 0
    while (data.charCodeAt(quote - 1 - slashes) === 92) slashes++
    if (slashes % 2 === 0) return quote - start
    i = quote + 1
  }
}

/** Whether an OpenAI chunk's data carries output (not the role chunk, the finish chunk or [DONE]). */
export function openAIChunkHasOutput(data: string): boolean {
  return data !== '[DONE]' && !data.includes('"delta":{}') && !data.includes('"content":""') && data.includes('"delta":{"')
}
