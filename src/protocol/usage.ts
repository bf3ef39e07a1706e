// Token usage as the gateway accounts it, whichever API reported it.
export interface TokenUsage {
  input_tokens: number
  output_tokens: number
}
export type UsageListener = (usage: TokenUsage) => void
