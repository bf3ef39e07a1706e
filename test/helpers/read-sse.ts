// Reads a whole SSE response into events, with the gateway's own parser.
import { SSEDecoder } from '../../src/protocol/sse/sse-decoder'
import type { SSEEvent } from '../../src/protocol/sse/sse-event'

export async function readSSE(response: Response): Promise<SSEEvent[]> {
  const decoder = new SSEDecoder()
  const events: SSEEvent[] = []
  const reader = response.body!.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    events.push(...decoder.push(value))
  }
  events.push(...decoder.end())
  return events
}

export function parseSSEText(text: string): SSEEvent[] {
  const decoder = new SSEDecoder()
  return [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()]
}
