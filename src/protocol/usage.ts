// Token usage as the gateway accounts it, whichever API reported it.
export interface TokenUsage {
  /** Every input token, cache reads and writes included (what the quota counts). */
  input_tokens: number
  output_tokens: number
  /** Of the input, read from the prompt cache; absent when the answer said nothing of it. */
  cache_read_tokens?: number
  /** Of the input, written to the prompt cache (Anthropic only). */
  cache_creation_tokens?: number
}
export type UsageListener = (usage: TokenUsage) => void
