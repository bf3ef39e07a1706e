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

/** The rest of a body whose reader has already been read from, as text. */
export async function readRest(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    text += decoder.decode(value, { stream: true })
  }
}
