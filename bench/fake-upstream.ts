// A fast fake LLM upstream for load tests: Bun.serve on 127.0.0.1 speaking the Anthropic Messages
// API (POST /v1/messages), the OpenAI Chat Completions API (POST /v1/chat/completions) and the
// OpenAI Responses API (POST /v1/responses), streaming and not, in the wire formats the test fakes speak too (test/helpers/llm-wire.ts). It is
// a server of its own, not the tests' fake, because it must never be the bottleneck of a
// measurement: its bodies are precomputed bytes per model name, and it reads the whole request
// body (as a real upstream must) but never parses it, finding `"stream":true` and the model with
// string searches; it records nothing and follows no script.
//
// Streams: `--chunks N` text deltas (default 20) of `--chunk-bytes B` characters (default 16), one
// every `--delay-ms D` (default 0: all at once, as fast as the socket takes them). A model named
// `<anything>-c<N>-d<D>` (e.g. `bench-c200-d0`, `bench-c100-d100`) overrides N and D for its requests,
// so one upstream serves every scenario and the gateway forwards the setting unchanged.
//
// Run: bun bench/fake-upstream.ts [--port P] [--chunks N] [--delay-ms D] [--chunk-bytes B]
// Prints `listening <port>` on stdout once ready.
import * as wire from '../test/helpers/llm-wire'

const args = new Map<string, string>()
for (let i = 2; i < Bun.argv.length; i += 2) args.set(Bun.argv[i]!.replace(/^--/, ''), Bun.argv[i + 1] ?? '')
const DEFAULT_CHUNKS = Number(args.get('chunks') ?? 20)
const DEFAULT_DELAY = Number(args.get('delay-ms') ?? 0)
const CHUNK_BYTES = Number(args.get('chunk-bytes') ?? 16)
const PORT = Number(args.get('port') ?? 0)

const enc = new TextEncoder()
const TEXT = 'Hello from the fast fake upstream.'
const piece = (i: number) => `tok${i} `.padEnd(CHUNK_BYTES, 'x').slice(0, CHUNK_BYTES)

interface Bodies {
  anthropicJson: Uint8Array
  openaiJson: Uint8Array
  /** [first events..., deltas..., last events...] as separate byte chunks. */
  anthropicStream: Uint8Array[]
  openaiStream: Uint8Array[]
  openaiStreamUsage: Uint8Array[]
  responsesJson: Uint8Array
  responsesStream: Uint8Array[]
  delayMs: number
}

const bytes = (events: string[]) => events.map((e) => enc.encode(e))

function build(model: string): Bodies {
  const m = /-c(\d+)-d(\d+)/.exec(model)
  const chunks = m ? Number(m[1]) : DEFAULT_CHUNKS
  const delayMs = m ? Number(m[2]) : DEFAULT_DELAY
  const pieces = Array.from({ length: chunks }, (_, i) => piece(i))
  const anthropic = { id: 'msg_bench_01', model }
  const openai = { id: 'chatcmpl-bench01', model }
  const anthropicUsage = { input_tokens: 12, output_tokens: chunks, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  const openaiStream = (includeUsage: boolean) =>
    bytes(wire.openaiStream({ ...openai, text: pieces }, { usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks }, systemFingerprint: 'fp_bench', includeUsage }))
  return {
    anthropicJson: enc.encode(JSON.stringify(wire.anthropicMessage({ ...anthropic, text: [TEXT] }, { usage: anthropicUsage }))),
    openaiJson: enc.encode(JSON.stringify(wire.openaiCompletion({ ...openai, text: [TEXT] }, { usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }, systemFingerprint: 'fp_bench' }))),
    anthropicStream: bytes(wire.anthropicStream({ ...anthropic, text: pieces }, { usage: anthropicUsage, startUsage: { input_tokens: 12, output_tokens: 1 } })),
    openaiStream: openaiStream(false),
    openaiStreamUsage: openaiStream(true),
    responsesJson: enc.encode(JSON.stringify(wire.responsesResponse({ id: 'resp_bench01', model, text: [TEXT] }, { usage: responsesUsage(5) }))),
    responsesStream: bytes(wire.responsesStream({ id: 'resp_bench01', model, text: pieces }, { usage: responsesUsage(chunks) })),
    delayMs,
  }
}

function responsesUsage(output: number) {
  return { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 12 + output }
}

const cache = new Map<string, Bodies>()
function bodiesFor(model: string): Bodies {
  let b = cache.get(model)
  if (!b) {
    if (cache.size > 1000) cache.clear()
    b = build(model)
    cache.set(model, b)
  }
  return b
}

const JSON_HEADERS = { 'content-type': 'application/json', 'request-id': 'req_upstream_bench' }
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_upstream_bench' }
const MODEL_RE = /"model"\s*:\s*"([^"\\]{1,200})"/
const STREAM_RE = /"stream"\s*:\s*true/

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let o = 0
  for (const p of parts) (out.set(p, o), (o += p.byteLength))
  return out
}
const joined = new WeakMap<Uint8Array[], Uint8Array>()

function streamResponse(events: Uint8Array[], delayMs: number): Response {
  if (delayMs <= 0) {
    // Unpaced: one write of the whole stream (precomputed), as fast as the socket takes it.
    let all = joined.get(events)
    if (!all) joined.set(events, (all = concat(events)))
    return new Response(all, { headers: SSE_HEADERS })
  }
  // Paced: the first event at once, then one event every delayMs (the last few together).
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    type: 'direct',
    async pull(controller: any) {
      controller.write(events[i++]!)
      controller.write(events[i++]!)
      await controller.flush()
      while (i < events.length) {
        await Bun.sleep(delayMs)
        controller.write(events[i++]!)
        await controller.flush()
      }
      controller.close()
    },
  } as any)
  return new Response(body, { headers: SSE_HEADERS })
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: PORT,
  idleTimeout: 120,
  async fetch(req) {
    const path = new URL(req.url).pathname
    if (req.method !== 'POST') return new Response(path === '/health' ? 'ok' : 'not found', { status: path === '/health' ? 200 : 404 })
    const text = await req.text()
    const model = MODEL_RE.exec(text)?.[1] ?? 'unknown'
    const stream = STREAM_RE.test(text)
    const b = bodiesFor(model)
    if (path.endsWith('/messages')) {
      if (!stream) return new Response(b.anthropicJson, { headers: JSON_HEADERS })
      return streamResponse(b.anthropicStream, b.delayMs)
    }
    if (path.endsWith('/chat/completions')) {
      if (!stream) return new Response(b.openaiJson, { headers: JSON_HEADERS })
      return streamResponse(text.includes('"include_usage":true') ? b.openaiStreamUsage : b.openaiStream, b.delayMs)
    }
    if (path.endsWith('/responses')) {
      if (!stream) return new Response(b.responsesJson, { headers: JSON_HEADERS })
      return streamResponse(b.responsesStream, b.delayMs)
    }
    if (path.endsWith('/count_tokens')) return Response.json({ input_tokens: 42 })
    return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS })
  },
})

console.log(`listening ${server.port}`)
process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
