// The built-in demo backend: answers both APIs, streaming too, with a fixed reply, so that a
// newcomer can try the gateway (Claude Code included) with nothing else running. It only serves
// the quickstart's demo mode or a backend explicitly configured with `format: demo`.

import { formatSSE } from '../protocol/sse/encode-sse'
import type { LlmEndpoint } from '../protocol/vocabulary'

export const DEMO_REPLY =
  'Hello from the llm-gateway demo backend. No model is connected yet: set INTERNAL_LLM_URL, ' +
  'CLAUDE_API_KEY or OPENAI_API_KEY (or a config file) and the gateway will route to a real one.'

const CHUNK_DELAY_MS = 15
const encoder = new TextEncoder()

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text]
}

function modelOf(body: string): string {
  try {
    const m = (JSON.parse(body) as { model?: unknown }).model
    return typeof m === 'string' ? m : 'demo'
  } catch {
    return 'demo'
  }
}

function sseResponse(events: string[]): Response {
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = events.shift()
      if (next === undefined) return controller.close()
      controller.enqueue(encoder.encode(next))
      if (events.length > 0) await Bun.sleep(CHUNK_DELAY_MS)
    },
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
}

const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } })

function anthropic(model: string, stream: boolean): Response {
  const id = `msg_demo_${crypto.randomUUID().replaceAll('-', '')}`
  const outputTokens = words(DEMO_REPLY).length
  const usage = { input_tokens: 10, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  if (!stream) {
    return json({ id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: DEMO_REPLY }], stop_reason: 'end_turn', stop_sequence: null, usage })
  }
  const ev = (type: string, data: Record<string, unknown>) => formatSSE(type, JSON.stringify({ type, ...data }))
  return sseResponse([
    ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
    ...words(DEMO_REPLY).map((w) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } })),
    ev('content_block_stop', { index: 0 }),
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    ev('message_stop', {}),
  ])
}

function openai(model: string, stream: boolean, includeUsage: boolean): Response {
  const id = `chatcmpl-demo${crypto.randomUUID().replaceAll('-', '')}`
  const created = Math.floor(Date.now() / 1000)
  const completionTokens = words(DEMO_REPLY).length
  const usage = { prompt_tokens: 10, completion_tokens: completionTokens, total_tokens: 10 + completionTokens }
  if (!stream) {
    return json({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: DEMO_REPLY }, finish_reason: 'stop', logprobs: null }], usage })
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    formatSSE(undefined, JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra }))
  return sseResponse([
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
    ...words(DEMO_REPLY).map((w) => chunk([{ index: 0, delta: { content: w }, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
    ...(includeUsage ? [chunk([], { usage })] : []),
    formatSSE(undefined, '[DONE]'),
  ])
}

export function demoResponse(endpoint: LlmEndpoint, body: string, stream: boolean): Response {
  const model = modelOf(body)
  switch (endpoint) {
    case 'count_tokens':
      return json({ input_tokens: Math.ceil(body.length / 4) })
    case 'messages':
      return anthropic(model, stream)
    case 'chat_completions': {
      let includeUsage = false
      try {
        includeUsage = (JSON.parse(body) as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage === true
      } catch {}
      return openai(model, stream, includeUsage)
    }
    case 'responses':
      // Responses clients reach the demo through Chat Completions (protocol/translators picks that
      // pair), so this endpoint is never asked for; answered as the unknown route it is here.
      return new Response(JSON.stringify({ error: { message: 'The demo backend serves Responses clients through Chat Completions.', type: 'invalid_request_error', param: null, code: null } }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      })
    default: {
      const never_: never = endpoint
      throw new Error(`unknown endpoint ${String(never_)}`)
    }
  }
}
