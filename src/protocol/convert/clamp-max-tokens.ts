// The output limit to ask an OpenAI-compatible backend for: what the client asked (a positive
// number), else the model's limit, never above that limit. Coding agents ask for 32k-128k tokens,
// and a small backend answers 400 to anything above its own limit.
import type { TranslationWarning } from '../translation-warning'

export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined
}

/** Undefined when the client asked for nothing and the model has no configured limit. */
export function clampMaxTokens(asked: unknown, limit: number | undefined, warnings: TranslationWarning[]): number | undefined {
  const maxTokens = positiveInt(asked) ?? limit
  if (maxTokens === undefined) return undefined
  const clamped = limit !== undefined ? Math.min(maxTokens, limit) : maxTokens
  if (clamped < maxTokens) warnings.push({ type: 'clamped', setting: 'max_tokens', from: maxTokens, to: clamped })
  return clamped
}
