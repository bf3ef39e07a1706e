// RFC 3339 timestamps as the gateway writes them: UTC, to the second (`2026-11-28T00:00:00Z`),
// the form Anthropic uses in its rate-limit headers.

export function toRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
