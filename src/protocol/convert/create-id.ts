// Ids for objects the gateway invents (messages, completions, tool calls an upstream left unnamed).
// Only [A-Za-z0-9] so the result is a valid Anthropic tool id as well.
export function createId(prefix: string): string {
  return prefix + crypto.randomUUID().replaceAll('-', '').slice(0, 24)
}
