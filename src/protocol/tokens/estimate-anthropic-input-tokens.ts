// An estimate of the input tokens of an Anthropic Messages request, for count_tokens when the
// backend cannot count them itself. It uses a real BPE tokenizer (o200k, GPT-4o's): Claude's own
// tokenizer is not public, and o200k lands close enough for budgeting. The work is bounded before
// it starts, whatever a caller sends:
//   - BPE costs grow faster than the input on one long run of letters, CJK text, punctuation or
//     whitespace (one "word" of 40 KB took seconds); runs are broken every MAX_RUN characters, which
//     adds about one token per MAX_RUN characters of such a run and keeps the cost linear;
//   - at most MAX_EXACT_CHARS of text are tokenized; the rest is counted at the tokens-per-character
//     rate of what was;
//   - the text is tokenized in slices of SLICE_CHARS.
// The tokenizer itself takes about 0.7 s to load and ~90 MB of memory: the gateway loads and runs it
// in a worker thread (server/token-count-worker.ts), never on the thread that serves requests.
// gatherInputText is cheap and linear; it runs where the request is.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { gatherInputText, MAX_EXACT_CHARS } from './gather-input-text'

export { gatherInputText, MAX_EXACT_CHARS }

export const MAX_RUN = 200
export const SLICE_CHARS = 16 * 1024

const LONG_RUN = new RegExp(`(\\S{${MAX_RUN}})(?=\\S)|(\\s{${MAX_RUN}})(?=\\s)`, 'g')
/** Breaks every run of MAX_RUN characters without a change between space and non-space. */
function breakLongRuns(text: string): string {
  return text.replace(LONG_RUN, (_, word: string | undefined, space: string | undefined) => (word !== undefined ? `${word} ` : `${space}.`))
}

/** The slices a text is tokenized in: at most SLICE_CHARS each, cut after a space where one is near. */
function* slices(text: string): Generator<string> {
  let start = 0
  while (start < text.length) {
    let end = Math.min(text.length, start + SLICE_CHARS)
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end)
      if (space > start + SLICE_CHARS / 2) end = space + 1
    }
    yield text.slice(start, end)
    start = end
  }
}

/**
 * The tokens of gathered text, within the bounds above: at most MAX_EXACT_CHARS are tokenized (in
 * slices of SLICE_CHARS, long runs broken), the rest counted at their rate. `total` is the length
 * of the whole text when `text` was already cut to MAX_EXACT_CHARS by the caller.
 */
export function countTextTokens(text: string, total = text.length): number {
  const exact = text.length > MAX_EXACT_CHARS ? text.slice(0, MAX_EXACT_CHARS) : text
  let tokens = 0
  for (const slice of slices(exact)) tokens += countTokens(breakLongRuns(slice))
  return extrapolate(tokens, exact.length, Math.max(total, text.length))
}

/** The estimate of a whole request, in one go. The gateway runs countTextTokens in a worker thread. */
export function estimateAnthropicInputTokens(body: Record<string, unknown>): number {
  const { text, fixed } = gatherInputText(body)
  return countTextTokens(text) + fixed
}

function extrapolate(tokens: number, counted: number, total: number): number {
  return counted >= total || counted === 0 ? tokens : Math.ceil((tokens * total) / counted)
}
