// A scripted, strict LLM upstream that plays a tool-using model, for the tests of translation and of
// real clients (the Anthropic and OpenAI SDKs, Claude Code) through the gateway. It speaks both
// real wire formats on 127.0.0.1 (Anthropic Messages on /v1/messages, OpenAI Chat Completions on
// /v1/chat/completions, OpenAI Responses on /v1/responses as a backend that serves it natively,
// streaming and not, written by llm-wire.ts) and answers every request with
// the same logical reply in either format, so that a test can check a client gets, through
// translation, what the backend meant:
//   - the conversation ends with tool results: reasoning, then text quoting every result in order,
//     after SCRIPT.resultPrefix, joined by " | ";
//   - the user's text contains a scenario's trigger and the request offers its tool: reasoning, the
//     scenario's text if any, and its tool calls, in parallel;
//   - anything else (plain prompts, a client's side requests): reasoning and SCRIPT.plainText.
// By default the one scenario is the weather question of the SDK tests (WEATHER_SCENARIO).
// Each body is checked (validateChatCompletionsRequest / validateAnthropicRequest) and one with
// problems is answered 400 in the backend's own error shape, as a strict backend would. Every
// request is recorded, anything it does not serve too (answered 404), so a test sees what a client
// tried. It is kept apart from fake-upstream.ts, which answers one fixed reply to any body, however
// malformed, and scripts transport faults instead of conversations.
import { expect } from 'bun:test'
import * as wire from './llm-wire'
import type { WireReply } from './llm-wire'
import { validateAnthropicRequest } from './validate-anthropic-request'
import { validateChatCompletionsRequest } from './validate-chat-completions-request'
import { validateResponsesRequest } from './validate-responses-request'
import { sseResponse } from './sse-response'

export type UpstreamFormat = 'anthropic' | 'openai' | 'responses'

export type ReplyKind = 'tool_calls' | 'tool_results_answer' | 'text' | 'not_found'

export interface ScriptedRequest {
  method: string
  /** null: a path the fake does not serve. */
  format: UpstreamFormat | null
  path: string
  /** The parsed JSON body; {} when there was none or it did not parse. */
  body: Record<string, unknown>
  /** What the body's validator found wrong; empty for a valid body. */
  problems: string[]
  reply: ReplyKind
}

export interface ToolScenario {
  /** Text in the user's messages that makes the fake call the tool. */
  trigger: string
  /** The tool called, as the client declared it (Claude Code: "Bash"). */
  toolName: string
  /** Text said before the calls, if any. */
  text?: string
  /** The arguments of each call, made in parallel. */
  calls: Record<string, unknown>[]
  /** Fixed call ids per format; without them, fresh ids for every reply. */
  ids?: Partial<Record<UpstreamFormat, readonly string[]>>
}

export interface ScriptedUpstreamOptions {
  /** The first scenario whose trigger the user's text contains, and whose tool is offered, is played. */
  scenarios?: ToolScenario[]
  /** Milliseconds between streamed events. */
  chunkDelayMs?: number
  /** Called with each request as it arrives (debug logging). */
  onRequest?: (request: ScriptedRequest) => void
}

export interface ScriptedUpstream {
  url: string
  received: ScriptedRequest[]
  /** SCRIPT.plainText and SCRIPT.resultPrefix, at hand. */
  plainText: string
  resultPrefix: string
  stop(): Promise<void>
}

export const SCRIPT = {
  reasoning: 'The user asked something; I will think it through step by step.',
  plainText: 'Plain answer from the scripted upstream: all good.',
  toolText: 'Checking both cities.',
  resultPrefix: 'Results: ',
  /** Usage both formats report for every reply, each in its own terms (same totals). */
  usage: { input: 1000, cacheRead: 200, output: 57 },
  toolIds: { anthropic: ['toolu_weather_paris', 'toolu_weather_tokyo'], openai: ['call_weather_paris', 'call_weather_tokyo'], responses: ['call_native_paris', 'call_native_tokyo'] },
  cities: ['Paris', 'Tokyo'],
} as const

export const WEATHER_TOOL_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city'],
}

/** A question about the weather with get_weather offered: two parallel calls (Paris, Tokyo) with fixed ids. */
export const WEATHER_SCENARIO: ToolScenario = {
  trigger: 'weather',
  toolName: 'get_weather',
  text: SCRIPT.toolText,
  calls: SCRIPT.cities.map((city) => ({ city, unit: 'celsius' })),
  ids: SCRIPT.toolIds,
}

/** How many pieces a stream cuts each part of a reply into. */
const PIECES = { reasoning: 3, text: 3, arguments: 4 }

interface Decision {
  kind: ReplyKind
  text?: string
  calls: { id: string; name: string; input: Record<string, unknown> }[]
}

export function startScriptedUpstream(options: ScriptedUpstreamOptions = {}): ScriptedUpstream {
  const received: ScriptedRequest[] = []
  const scenarios = options.scenarios ?? [WEATHER_SCENARIO]
  let freshIds = 0

  function decide(format: UpstreamFormat, body: Record<string, unknown>): Decision {
    const messages = format === 'responses' ? responsesMessages(body.input) : Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : []
    const results = toolResults(format, messages)
    if (results.length > 0) return { kind: 'tool_results_answer', text: `${SCRIPT.resultPrefix}${results.join(' | ')}`, calls: [] }
    const tools = Array.isArray(body.tools) ? (body.tools as Record<string, any>[]) : []
    const offered = new Set(tools.map((t) => (format === 'openai' ? t.function?.name : t.name)))
    // Claude Code sends the prompt, then context (agent types, reminders) as further user messages.
    const userText = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n')
    const scenario = scenarios.find((s) => offered.has(s.toolName) && userText.includes(s.trigger))
    if (!scenario) return { kind: 'text', text: SCRIPT.plainText, calls: [] }
    const calls = scenario.calls.map((input, i) => {
      const id = scenario.ids?.[format]?.[i] ?? (format === 'anthropic' ? `toolu_fake${++freshIds}` : `call_fake${++freshIds}abc`)
      return { id, name: scenario.toolName, input }
    })
    return { kind: 'tool_calls', ...(scenario.text === undefined ? {} : { text: scenario.text }), calls }
  }

  function record(entry: ScriptedRequest) {
    received.push(entry)
    options.onRequest?.(entry)
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const url = new URL(req.url)
      const route = url.pathname === '/v1/messages' ? 'anthropic' : url.pathname === '/v1/chat/completions' ? 'openai' : url.pathname === '/v1/responses' ? 'responses' : null
      const format: UpstreamFormat | null = req.method === 'POST' ? route : null
      let body: Record<string, unknown> = {}
      try {
        body = (await req.json()) as Record<string, unknown>
      } catch {}
      if (format === null) {
        record({ method: req.method, format, path: url.pathname, body, problems: [`unexpected ${req.method} ${url.pathname}`], reply: 'not_found' })
        return Response.json(wire.openaiError(`no route ${req.method} ${url.pathname}`, 'invalid_request_error', 'not_found'), { status: 404 })
      }
      const problems = format === 'openai' ? validateChatCompletionsRequest(body) : format === 'responses' ? validateResponsesRequest(body) : validateAnthropicRequest(body)
      const decision = decide(format, body)
      record({ method: req.method, format, path: url.pathname, body, problems, reply: decision.kind })
      if (problems.length > 0) {
        const message = `invalid request: ${problems.join('; ')}`
        return Response.json(format === 'anthropic' ? wire.anthropicError('invalid_request_error', message) : wire.openaiError(message, 'invalid_request_error'), { status: 400 })
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown'
      const reply = wireReply(format, model, decision)
      const headers = { [format === 'anthropic' ? 'request-id' : 'x-request-id']: 'req_scripted_1' }
      if (format === 'responses') {
        const wireOptions = { usage: responsesUsage(), encryptedContent: 'enc_scripted_01' }
        if (body.stream === true) return sseResponse(wire.responsesStream(reply, wireOptions), { delayMs: options.chunkDelayMs ?? 0, headers })
        return Response.json(wire.responsesResponse(reply, wireOptions), { headers })
      }
      if (body.stream === true) {
        const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
        const events = format === 'openai' ? wire.openaiStream(reply, { ...openaiUsage(), includeUsage }) : wire.anthropicStream(reply, { ...anthropicUsage(), ping: true })
        return sseResponse(events, { delayMs: options.chunkDelayMs ?? 0, headers })
      }
      return Response.json(format === 'openai' ? wire.openaiCompletion(reply, openaiUsage()) : wire.anthropicMessage(reply, anthropicUsage()), { headers })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    plainText: SCRIPT.plainText,
    resultPrefix: SCRIPT.resultPrefix,
    async stop() {
      await server.stop(true)
    },
  }
}

function wireReply(format: UpstreamFormat, model: string, decision: Decision): WireReply {
  return {
    id: format === 'openai' ? 'chatcmpl-scripted' : format === 'responses' ? 'resp_scripted_01' : 'msg_scripted_01',
    model,
    reasoning: wire.splitText(SCRIPT.reasoning, PIECES.reasoning),
    ...(decision.text === undefined ? {} : { text: wire.splitText(decision.text, PIECES.text) }),
    toolCalls: decision.calls.map((c) => ({ id: c.id, name: c.name, arguments: wire.splitText(JSON.stringify(c.input), PIECES.arguments) })),
  }
}

function openaiUsage() {
  const { input, cacheRead, output } = SCRIPT.usage
  return { usage: { prompt_tokens: input + cacheRead, completion_tokens: output, total_tokens: input + cacheRead + output, prompt_tokens_details: { cached_tokens: cacheRead } } }
}

function responsesUsage() {
  const { input, cacheRead, output } = SCRIPT.usage
  return { input_tokens: input + cacheRead, input_tokens_details: { cached_tokens: cacheRead }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + cacheRead + output }
}

/**
 * A Responses `input` read as chat-like messages, for choosing a reply: user messages keep their
 * role and content, and each function_call_output becomes a `tool` message.
 */
function responsesMessages(input: unknown): Record<string, unknown>[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }]
  if (!Array.isArray(input)) return []
  return input.map((item: Record<string, any>) => (item?.type === 'function_call_output' ? { role: 'tool', content: typeof item.output === 'string' ? item.output : textOf(item.output) } : { role: item?.role, content: item?.content }))
}

function anthropicUsage() {
  const { input, cacheRead, output } = SCRIPT.usage
  return { usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead }, signature: 'sig_scripted_01' }
}

/** The tool results that end the conversation, in order: trailing tool messages (OpenAI), tool_result blocks of the last user turn (Anthropic). */
function toolResults(format: UpstreamFormat, messages: Record<string, unknown>[]): string[] {
  if (format !== 'anthropic') {
    const out: string[] = []
    for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) out.unshift(textOf(messages[i]!.content).trim())
    return out
  }
  const last = messages.at(-1)
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return []
  return (last.content as Record<string, unknown>[]).filter((b) => b.type === 'tool_result').map((b) => textOf(b.content).trim())
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n')
  return ''
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
