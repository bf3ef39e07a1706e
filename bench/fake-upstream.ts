// A fast fake LLM upstream for load tests: Bun.serve on 127.0.0.1 speaking the Anthropic Messages
// API (POST /v1/messages) and the OpenAI Chat Completions API (POST /v1/chat/completions),
// streaming and not, with bodies precomputed per model name. It reads the whole request body (as a
// real upstream must) but never parses it: it finds `"stream":true` and the model with string
// searches, so that it costs as little as possible and is never the bottleneck.
//
// Streams: `--chunks N` text deltas (default 20) of `--chunk-bytes B` characters (default 16), one
// every `--delay-ms D` (default 0: all at once, as fast as the socket takes them). A model named
// `<anything>-c<N>-d<D>` (e.g. `bench-c200-d0`, `bench-c100-d100`) overrides N and D for its requests,
// so one upstream serves every scenario and the gateway forwards the setting unchanged.
//
// Run: bun bench/fake-upstream.ts [--port P] [--chunks N] [--delay-ms D] [--chunk-bytes B]
// Prints `listening <port>` on stdout once ready.

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
  delayMs: number
}

const sse = (event: string | undefined, data: unknown) =>
  enc.encode(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)

function build(model: string): Bodies {
  const m = /-c(\d+)-d(\d+)/.exec(model)
  const chunks = m ? Number(m[1]) : DEFAULT_CHUNKS
  const delayMs = m ? Number(m[2]) : DEFAULT_DELAY
  const usageA = { input_tokens: 12, output_tokens: chunks, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  const anthropicJson = enc.encode(
    JSON.stringify({ id: 'msg_bench_01', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: TEXT }], stop_reason: 'end_turn', stop_sequence: null, usage: usageA }),
  )
  const openaiJson = enc.encode(
    JSON.stringify({
      id: 'chatcmpl-bench01',
      object: 'chat.completion',
      created: 1764000000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: TEXT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
      system_fingerprint: 'fp_bench',
    }),
  )
  const anthropicStream = [
    sse('message_start', { type: 'message_start', message: { id: 'msg_bench_01', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ...Array.from({ length: chunks }, (_, i) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece(i) } })),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: chunks } }),
    sse('message_stop', { type: 'message_stop' }),
  ]
  const oChunk = (choices: unknown[], usage: boolean, extra: Record<string, unknown> = {}) =>
    sse(undefined, { id: 'chatcmpl-bench01', object: 'chat.completion.chunk', created: 1764000000, model, system_fingerprint: 'fp_bench', choices, ...(usage ? { usage: null } : {}), ...extra })
  const openaiEvents = (usage: boolean) => [
    oChunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], usage),
    ...Array.from({ length: chunks }, (_, i) => oChunk([{ index: 0, delta: { content: piece(i) }, logprobs: null, finish_reason: null }], usage)),
    oChunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage),
    ...(usage ? [oChunk([], false, { usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks } })] : []),
    sse(undefined, '[DONE]'),
  ]
  return { anthropicJson, openaiJson, anthropicStream, openaiStream: openaiEvents(false), openaiStreamUsage: openaiEvents(true), delayMs }
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
    if (path.endsWith('/count_tokens')) return Response.json({ input_tokens: 42 })
    return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS })
  },
})

console.log(`listening ${server.port}`)
process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})

export {}
