// A fake LLM upstream for the gateway's own behaviour (routing, quotas, passthrough, errors,
// disconnects): it answers every request with one fixed reply in the real wire format of the
// Anthropic Messages API or the OpenAI Chat Completions API (streaming and not, written by
// llm-wire.ts), on 127.0.0.1. Tests script faults per request (a status, a hang, a slow or a raw
// stream) and read back what it received, headers included. It accepts any body, malformed ones
// too, because the tests that use it send such bodies on purpose; fake-scripted-upstream.ts is the
// strict one that plays a conversation. bench/fake-upstream.ts speaks the same formats without
// parsing or recording anything, to stay out of the measurements. Only LLM upstreams are faked.
import * as wire from './llm-wire'
import type { WireReply } from './llm-wire'
import { httpChunk, SSE_HEAD } from './raw-http-server'
import { sseResponse } from './sse-response'

export interface ReceivedRequest {
  path: string
  search: string
  headers: Headers
  body: Record<string, unknown>
}

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'slow-stream'; delayMs: number } // first event at once, the rest after delayMs each (no stream asked: JSON after delayMs)
  | { kind: 'hang' } // never answers
  | { kind: 'raw-stream'; events: string[]; delayMs?: number } // SSE text chunks, sent as given (paced when asked)

export interface FakeUpstream {
  url: string
  port: number
  received: ReceivedRequest[]
  /** Behaviour of the next requests, in order; when empty, 'ok'. */
  script: Behaviour[]
  /** Requests whose client went away before the answer was complete (stream cancelled, request aborted). */
  readonly cancelled: number
  stop(): Promise<void>
}

export const FAKE_TEXT = ['Hello', ' from', ' the', ' fake', ' upstream.']

const reply = (id: string, model: string): WireReply => ({ id, model, text: FAKE_TEXT })

export function anthropicMessage(model: string, extra: Record<string, unknown> = {}) {
  return wire.anthropicMessage(reply('msg_fake_01', model), { usage: { input_tokens: 12, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 }, extra })
}

export function anthropicEvents(model: string): string[] {
  return wire.anthropicStream(reply('msg_fake_01', model), {
    usage: { input_tokens: 12, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 },
    startUsage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 3 },
    ping: true,
    unknownEvent: true,
  })
}

export function openaiCompletion(model: string) {
  const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 0 } }
  return wire.openaiCompletion(reply('chatcmpl-fake01', model), { usage, systemFingerprint: 'fp_fake', serviceTier: 'default' })
}

export function openaiEvents(model: string, includeUsage: boolean): string[] {
  return wire.openaiStream(reply('chatcmpl-fake01', model), { usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }, systemFingerprint: 'fp_fake', includeUsage })
}

function sse(events: string[], delayMs = 0, onCancel?: () => void): Response {
  return sseResponse(events, { delayMs, headers: { 'request-id': 'req_upstream_1' }, ...(onCancel ? { onCancel } : {}) })
}

export function startFakeUpstream(port = 0): FakeUpstream {
  const received: ReceivedRequest[] = []
  const script: Behaviour[] = []
  let cancelled = 0
  const onCancel = () => {
    cancelled++
  }
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 30,
    async fetch(req) {
      const url = new URL(req.url)
      let body: Record<string, unknown> = {}
      try {
        body = (await req.json()) as Record<string, unknown>
      } catch {}
      received.push({ path: url.pathname, search: url.search, headers: req.headers, body })
      const behaviour = script.shift() ?? { kind: 'ok' }
      const model = typeof body.model === 'string' ? body.model : 'unknown'
      const anthropic = url.pathname.startsWith('/v1/messages')
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
      const answer = () => {
        if (url.pathname === '/v1/messages/count_tokens') return Response.json({ input_tokens: 42 })
        if (body.stream === true) return sse(anthropic ? anthropicEvents(model) : openaiEvents(model, includeUsage))
        return Response.json(anthropic ? anthropicMessage(model, { unknown_future_field: { kept: true } }) : openaiCompletion(model), { headers: { 'request-id': 'req_upstream_1' } })
      }
      switch (behaviour.kind) {
        case 'status':
          return new Response(typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body), {
            status: behaviour.status,
            headers: { 'content-type': 'application/json', ...behaviour.headers },
          })
        case 'hang': {
          const gone = new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve()))
          await Promise.race([gone, Bun.sleep(60_000)])
          if (req.signal.aborted) onCancel()
          return new Response('late')
        }
        case 'raw-stream':
          return sse(behaviour.events, behaviour.delayMs ?? 0, onCancel)
        case 'slow-stream':
          if (body.stream !== true || url.pathname === '/v1/messages/count_tokens') {
            // A request that asked for no stream gets its JSON answer, late, as a real backend sends it.
            await Bun.sleep(behaviour.delayMs)
            return answer()
          }
          return sse(anthropic ? anthropicEvents(model) : openaiEvents(model, includeUsage), behaviour.delayMs, onCancel)
        case 'ok':
          return answer()
      }
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    received,
    script,
    get cancelled() {
      return cancelled
    },
    async stop() {
      await server.stop(true)
    },
  }
}

/**
 * An upstream whose connection drops in the middle of a stream: a raw TCP server that answers
 * 200 with a chunked SSE body, sends the first events of the real wire format, then closes the
 * socket without the terminating chunk, as a crashed backend or a reset connection would.
 * A request for a model named `stall-*` gets the start of a JSON answer instead, and then
 * silence with the connection open, as a hung backend would.
 */
export function startCuttingUpstream(): { url: string; stop(): void } {
  const server = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket, data) {
        const text = new TextDecoder().decode(data)
        if (!text.includes('\r\n\r\n')) return
        if (text.includes('"model":"stall-')) {
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":"msg_stalled",')
          return
        }
        const anthropic = text.startsWith('POST /v1/messages')
        const events = (anthropic ? anthropicEvents('cut-model') : openaiEvents('cut-model', false)).slice(0, 3)
        socket.write(SSE_HEAD + events.map(httpChunk).join(''))
        setTimeout(() => socket.end(), 20)
      },
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}
