// Replays recorded upstream streams (test/fixtures/streams/*.jsonl, one upstream chunk or event per
// line) through a stream transform, whole or cut at random byte boundaries, and parses the output.
// Its wire writers frame whatever line they are given, the fuzzers' junk included (undefined, a
// missing or odd `type`), byte for byte as below; llm-wire.ts writes well-formed replies only.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseSSEText } from './read-sse'
import type { SSEEvent } from '../../src/protocol/sse/sse-event'

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'streams')

/**
 * The recorded streams of one upstream wire format, by file name: `anthropic-*` are Anthropic
 * Messages streams, `responses-*` Responses API streams, and the others Chat Completions streams
 * (OpenAI's and vLLM's).
 */
export function streamFixtures(format: 'anthropic' | 'openai' | 'responses'): string[] {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.jsonl')).sort()
  if (format === 'openai') return names.filter((n) => !n.startsWith('anthropic-') && !n.startsWith('responses-'))
  return names.filter((n) => n.startsWith(`${format}-`))
}

export function loadFixture(name: string): unknown[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown)
}

/** OpenAI wire: bare `data:` lines; a fixture line "[DONE]" is the terminator. */
export function openAIWire(lines: unknown[]): string {
  return lines.map((l) => `data: ${l === '[DONE]' ? '[DONE]' : JSON.stringify(l)}\n\n`).join('')
}

/** Anthropic wire: every event named after its data's `type`. */
export function anthropicWire(lines: unknown[]): string {
  return lines.map((l) => `event: ${(l as { type: string }).type}\ndata: ${JSON.stringify(l)}\n\n`).join('')
}

/** Responses API wire: every event named after its data's `type`, as OpenAI sends it. */
export function responsesWire(lines: unknown[]): string {
  return lines.map((l) => `event: ${(l as { type: string }).type}\ndata: ${JSON.stringify(l)}\n\n`).join('')
}

/** A small seeded PRNG (mulberry32): the same seed gives the same cuts on every run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Cuts bytes into pieces at random boundaries, multi-byte characters included. */
export function splitRandomly(bytes: Uint8Array, random: () => number, maxPieces = 12): Uint8Array[] {
  const cuts = new Set<number>()
  const n = 1 + Math.floor(random() * maxPieces)
  for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(random() * Math.max(1, bytes.length - 1)))
  const sorted = [...cuts].filter((c) => c < bytes.length).sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let start = 0
  for (const c of sorted) {
    pieces.push(bytes.slice(start, c))
    start = c
  }
  pieces.push(bytes.slice(start))
  return pieces
}

/** Pipes the pieces through the transform and returns everything it wrote, as text. */
export async function runTransform(transform: TransformStream<Uint8Array, Uint8Array>, pieces: Uint8Array[]): Promise<string> {
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(p)
      c.close()
    },
  })
  return await new Response(source.pipeThrough(transform)).text()
}

export async function parseSSE(text: string): Promise<SSEEvent[]> {
  return parseSSEText(text)
}

/** The JSON data of each event, with its name. */
export async function parseEvents(text: string): Promise<Array<{ event?: string; data: Record<string, unknown> }>> {
  return (await parseSSE(text)).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }))
}
