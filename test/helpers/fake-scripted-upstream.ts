// A scripted LLM upstream speaking both real wire formats on 127.0.0.1: Anthropic Messages on
// /v1/messages and OpenAI Chat Completions on /v1/chat/completions, streaming and not. It answers
// every request with the same logical reply in either format, so a test can check that a client
// gets the same result through translation as the backend meant, streamed or not:
//   - the conversation ends with tool results: reasoning, then text quoting every result in order;
//   - `get_weather` is offered and the user asks about the weather: reasoning, a short text and two
//     parallel get_weather calls (Paris, Tokyo) with fixed ids;
//   - anything else: reasoning and a plain text answer.
// Each request body is checked (validateChatCompletionsRequest / validateAnthropicRequest); a body
// with problems is answered 400 in the backend's own error shape, as a strict backend would.
import { expect } from 'bun:test'
import { formatSSE } from '../../src/protocol/sse/encode-sse'
import { validateAnthropicRequest } from './validate-anthropic-request'
import { validateChatCompletionsRequest } from './validate-chat-completions-request'
import { sseResponse, splitText } from './sse-response'

export type UpstreamFormat = 'anthropic' | 'openai'

export interface ScriptedRequest {
  format: UpstreamFormat
  path: string
  body: Record<string, unknown>
  problems: string[]
  reply: ReplyKind
}

export type ReplyKind = 'tool_calls' | 'tool_results_answer' | 'text'

export interface ScriptedToolCall {
  id: string
  name: string
  input: Record<string, unknown>
}

export interface ScriptedReply {
  kind: ReplyKind
  reasoning: string
  text: string
  toolCalls: ScriptedToolCall[]
}

export interface ScriptedUpstream {
  url: string
  received: ScriptedRequest[]
  stop(): Promise<void>
}

export const SCRIPT = {
  reasoning: 'The user asked something; I will think it through step by step.',
  plainText: 'Plain answer from the scripted upstream: all good.',
  toolText: 'Checking both cities.',
  resultPrefix: 'Results: ',
  /** Usage both formats report for every reply, each in its own terms (same totals). */
  usage: { input: 1000, cacheRead: 200, output: 57 },
  toolIds: { anthropic: ['toolu_weather_paris', 'toolu_weather_tokyo'], openai: ['call_weather_paris', 'call_weather_tokyo'] },
  cities: ['Paris', 'Tokyo'],
} as const

export const WEATHER_TOOL_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city'],
}


export function startScriptedUpstream(options: { chunkDelayMs?: number } = {}): ScriptedUpstream {
  const received: ScriptedRequest[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const url = new URL(req.url)
      const format: UpstreamFormat | undefined = url.pathname === '/v1/messages' ? 'anthropic' : url.pathname === '/v1/chat/completions' ? 'openai' : undefined
      let body: Record<string, unknown> = {}
      try {
        body = (await req.json()) as Record<string, unknown>
      } catch {}
      if (req.method !== 'POST' || format === undefined) return new Response('not found', { status: 404 })
      const problems = format === 'openai' ? validateChatCompletionsRequest(body) : validateAnthropicRequest(body)
      const reply = decide(format, body)
      received.push({ format, path: url.pathname, body, problems, reply: reply.kind })
      if (problems.length > 0) {
        const message = `invalid request: ${problems.join('; ')}`
        return Response.json(
          format === 'openai' ? { error: { message, type: 'invalid_request_error', param: null, code: null } } : { type: 'error', error: { type: 'invalid_request_error', message } },
          { status: 400 },
        )
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown'
      if (body.stream === true) {
        const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
        return sseResponse(format === 'openai' ? openAIChunks(model, reply, includeUsage) : anthropicEvents(model, reply), { delayMs: options.chunkDelayMs ?? 0, headers: { 'request-id': 'req_scripted_1' } })
      }
      return Response.json(format === 'openai' ? openAICompletion(model, reply) : anthropicMessage(model, reply))
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    async stop() {
      await server.stop(true)
    },
  }
}

function decide(format: UpstreamFormat, body: Record<string, unknown>): ScriptedReply {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : []
  const results = toolResults(format, messages)
  if (results.length > 0) {
    return { kind: 'tool_results_answer', reasoning: SCRIPT.reasoning, text: `${SCRIPT.resultPrefix}${results.join(' | ')}`, toolCalls: [] }
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, any>[]) : []
  const offered = tools.some((t) => (format === 'openai' ? t.function?.name : t.name) === 'get_weather')
  const asked = messages.some((m) => m.role === 'user' && textOf(m.content).toLowerCase().includes('weather'))
  if (offered && asked) {
    return {
      kind: 'tool_calls',
      reasoning: SCRIPT.reasoning,
      text: SCRIPT.toolText,
      toolCalls: SCRIPT.cities.map((city, i) => ({ id: SCRIPT.toolIds[format][i]!, name: 'get_weather', input: { city, unit: 'celsius' } })),
    }
  }
  return { kind: 'text', reasoning: SCRIPT.reasoning, text: SCRIPT.plainText, toolCalls: [] }
}

/** The tool results that end the conversation, in order (OpenAI: trailing tool messages). */
function toolResults(format: UpstreamFormat, messages: Record<string, unknown>[]): string[] {
  if (format === 'openai') {
    const out: string[] = []
    for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) out.unshift(textOf(messages[i]!.content))
    return out
  }
  const last = messages.at(-1)
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return []
  return (last.content as Record<string, unknown>[]).filter((b) => b.type === 'tool_result').map((b) => textOf(b.content))
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('')
  return ''
}

// ---- OpenAI Chat Completions ----

function openAIUsage() {
  const { input, cacheRead, output } = SCRIPT.usage
  return { prompt_tokens: input + cacheRead, completion_tokens: output, total_tokens: input + cacheRead + output, prompt_tokens_details: { cached_tokens: cacheRead } }
}

function openAICompletion(model: string, reply: ScriptedReply) {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.text, refusal: null, reasoning_content: reply.reasoning }
  if (reply.toolCalls.length > 0) {
    message.tool_calls = reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }))
  }
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1764000000,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: openAIUsage(),
  }
}

/** As vLLM streams: role, reasoning (delta.reasoning), content, tool calls one after another. */
function openAIChunks(model: string, reply: ScriptedReply, includeUsage: boolean): string[] {
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1764000000, model }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    formatSSE(undefined, JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) }))
  const out = [chunk({ role: 'assistant', content: '' })]
  for (const piece of splitText(reply.reasoning, 3)) out.push(chunk({ reasoning: piece }))
  for (const piece of splitText(reply.text, 3)) out.push(chunk({ content: piece }))
  reply.toolCalls.forEach((c, index) => {
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }))
    for (const piece of splitText(JSON.stringify(c.input), 4)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  })
  out.push(chunk({}, reply.toolCalls.length > 0 ? 'tool_calls' : 'stop'))
  if (includeUsage) out.push(formatSSE(undefined, JSON.stringify({ ...base, choices: [], usage: openAIUsage() })))
  out.push(formatSSE(undefined, '[DONE]'))
  return out
}

// ---- Anthropic Messages ----

function anthropicMessage(model: string, reply: ScriptedReply) {
  const content: Record<string, unknown>[] = [
    { type: 'thinking', thinking: reply.reasoning, signature: 'sig_scripted_01' },
    { type: 'text', text: reply.text },
    ...reply.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input })),
  ]
  const { input, cacheRead, output } = SCRIPT.usage
  return {
    id: 'msg_scripted_01',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead },
  }
}

function anthropicEvents(model: string, reply: ScriptedReply): string[] {
  const ev = (type: string, data: Record<string, unknown>) => formatSSE(type, JSON.stringify({ type, ...data }))
  const { input, cacheRead, output } = SCRIPT.usage
  const out = [
    ev('message_start', {
      message: { id: 'msg_scripted_01', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead } },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    ...splitText(reply.reasoning, 3).map((t) => ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: t } })),
    ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig_scripted_01' } }),
    ev('content_block_stop', { index: 0 }),
    ev('ping', {}),
    ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
    ...splitText(reply.text, 3).map((t) => ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: t } })),
    ev('content_block_stop', { index: 1 }),
  ]
  reply.toolCalls.forEach((c, i) => {
    const index = 2 + i
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }))
    for (const piece of splitText(JSON.stringify(c.input), 4)) out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }))
    out.push(ev('content_block_stop', { index }))
  })
  out.push(ev('message_delta', { delta: { stop_reason: reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: output } }))
  out.push(ev('message_stop', {}))
  return out
}


/**
 * A gateway config that puts the scripted upstream behind both formats: `qwen3-32b` on an
 * OpenAI-format backend and `claude-*` on an Anthropic-format one, so that every client reaches
 * the other API through translation.
 */
export function translationGatewayConfig(up: ScriptedUpstream, key: string, user: string): Record<string, unknown> {
  return {
    backends: {
      internal: { format: 'openai', base_url: `${up.url}/v1`, api_key: 'upstream-internal-secret' },
      claude: { format: 'anthropic', base_url: up.url, api_key: 'upstream-claude-secret' },
    },
    models: {
      'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B', max_output_tokens: 8192 },
      'claude-*': { backend: 'claude' },
    },
    tiers: { pro: { daily_requests: 1000, models: ['*'] } },
    auth: { keys: [{ key, user, tier: 'pro' }] },
  }
}

/** Every body `up` received since `from` was valid for its format (and there was at least one). */
export function expectValidRequests(up: ScriptedUpstream, from: number, format: 'anthropic' | 'openai'): ScriptedRequest[] {
  const seen = up.received.slice(from)
  expect(seen.length).toBeGreaterThan(0)
  for (const r of seen) expect({ format: r.format, problems: r.problems }).toEqual({ format, problems: [] })
  return seen
}
