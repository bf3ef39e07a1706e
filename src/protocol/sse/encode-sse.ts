// Writes one Server-Sent Event as text. Anthropic streams name every event; OpenAI streams send
// bare `data:` lines, so `event` is optional.

export function formatSSE(event: string | undefined, data: string): string {
  const body = data.includes('\n') ? data.split('\n').map((l) => `data: ${l}`).join('\n') : `data: ${data}`
  return event === undefined ? `${body}\n\n` : `event: ${event}\n${body}\n\n`
}
