// The worker thread that counts tokens for count_tokens (server/token-counter.ts posts the text). The
// tokenizer takes ~0.7 s to load and its BPE work grows with the text: here, neither ever holds up
// the thread that serves requests. The count itself is bounded (protocol/tokens).
import { countTextTokens } from '../protocol/tokens/estimate-anthropic-input-tokens'

interface CountJob {
  id: number
  text: string
  total: number
}

declare const self: Worker

self.onmessage = (event: MessageEvent<CountJob>) => {
  const { id, text, total } = event.data
  try {
    postMessage({ id, tokens: countTextTokens(text, total) })
  } catch (error) {
    postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
}
