// A scripted OpenAI-compatible upstream (Chat Completions, streaming and not, on 127.0.0.1) for the
// end-to-end tests with the real Claude Code CLI behind the gateway's Anthropic -> OpenAI
// translation. It records every request, checks each Chat Completions body with
// validateChatCompletionsRequest (no Anthropic-only fields, every tool call answered by a tool
// message with its id), and answers like a tool-using model would:
//   - a request whose conversation ends with tool messages: text quoting every tool output, in
//     order, joined by " | ";
//   - a request offering the tool `toolName` whose user text contains a scenario's `trigger`: that
//     scenario's calls of the tool, in parallel (streamed in fragments, after some reasoning);
//   - anything else (plain prompts, Claude Code's side requests such as titles): plain text.
// Anything it does not recognise (other paths, HEAD/GET) is recorded too and answered 404 in the
// OpenAI error shape, so that a test can see what a client tried.
import { formatSSE } from '../../src/protocol/sse/encode-sse'
import { validateChatCompletionsRequest } from './validate-chat-completions-request'
import { sseResponse, splitText } from './sse-response'

export interface ToolUpstreamRequest {
  method: string
  path: string
  body: Record<string, unknown> | null
  /** validateChatCompletionsRequest problems; empty for a valid Chat Completions body. */
  problems: string[]
  /** What the fake answered: 'tool_call', 'tool_result_answer', 'text' or 'not_found'. */
  answer: 'tool_call' | 'tool_result_answer' | 'text' | 'not_found'
}

export interface FakeOpenAIToolUpstream {
  url: string
  received: ToolUpstreamRequest[]
  /** The text answered to prompts that ask for no tool. */
  plainText: string
  /** The text answered after tool results: this prefix, then the outputs joined by " | ". */
  resultPrefix: string
  stop(): Promise<void>
}

export interface ToolScenario {
  /** Text in a user message that makes the fake call the tool. */
  trigger: string
  /** The arguments of each call, made in parallel (Claude Code's Bash: { command, description }). */
  calls: Record<string, unknown>[]
}

export interface FakeOpenAIToolUpstreamOptions {
  /** The function the fake calls, as the client declared it (Claude Code: "Bash"). */
  toolName: string
  /** The first scenario whose trigger the conversation contains is played. */
  scenarios: ToolScenario[]
  /** Stream reasoning before the answer, as vLLM's Qwen3 does (delta.reasoning). */
  reasoning?: boolean
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number
  /** Called with each request as it arrives (debug logging). */
  onRequest?: (request: ToolUpstreamRequest) => void
}

const PLAIN_TEXT = 'Plain answer from the OpenAI-format fake upstream.'
const RESULT_PREFIX = 'The command printed: '

type Answer =
  | { kind: 'text'; text: string; reasoning?: string }
  | { kind: 'tool_call'; calls: { id: string; name: string; arguments: string }[]; reasoning?: string }

export function startFakeOpenAIToolUpstream(options: FakeOpenAIToolUpstreamOptions): FakeOpenAIToolUpstream {
  const received: ToolUpstreamRequest[] = []
  let calls = 0

  function decide(body: Record<string, unknown>): { answer: Answer; label: ToolUpstreamRequest['answer'] } {
    const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : []
    const last = messages.at(-1)
    const reasoning = options.reasoning ? 'Thinking about what the user asked for.' : undefined
    if (last?.role === 'tool') {
      const outputs: string[] = []
      for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) outputs.unshift(contentText(messages[i]!.content).trim())
      return { answer: { kind: 'text', text: `${RESULT_PREFIX}${outputs.join(' | ')}`, reasoning }, label: 'tool_result_answer' }
    }
    const tools = Array.isArray(body.tools) ? (body.tools as { function?: { name?: string } }[]) : []
    const offersTool = tools.some((t) => t.function?.name === options.toolName)
    // Claude Code sends the prompt, then context (agent types, reminders) as further user messages.
    const userText = messages.filter((m) => m.role === 'user').map((m) => contentText(m.content)).join('\n')
    const scenario = options.scenarios.find((s) => userText.includes(s.trigger))
    if (offersTool && scenario) {
      const made = scenario.calls.map((args) => ({ id: `call_fake${++calls}abc`, name: options.toolName, arguments: JSON.stringify(args) }))
      return { answer: { kind: 'tool_call', calls: made, reasoning }, label: 'tool_call' }
    }
    return { answer: { kind: 'text', text: PLAIN_TEXT, reasoning }, label: 'text' }
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const url = new URL(req.url)
      let body: Record<string, unknown> | null = null
      if (req.method === 'POST') {
        try {
          body = (await req.json()) as Record<string, unknown>
        } catch {
          body = null
        }
      }
      if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions' || body === null) {
        const entry: ToolUpstreamRequest = { method: req.method, path: url.pathname, body, problems: [`unexpected ${req.method} ${url.pathname}`], answer: 'not_found' }
        received.push(entry)
        options.onRequest?.(entry)
        return Response.json({ error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'not_found' } }, { status: 404 })
      }
      const problems = validateChatCompletionsRequest(body)
      const { answer, label } = decide(body)
      const entry: ToolUpstreamRequest = { method: req.method, path: url.pathname, body, problems, answer: label }
      received.push(entry)
      options.onRequest?.(entry)
      if (problems.length > 0) {
        // What a strict backend (vLLM, OpenAI) does with such a body.
        return Response.json({ error: { message: `invalid request: ${problems.join('; ')}`, type: 'invalid_request_error', param: null, code: null } }, { status: 400 })
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown'
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
      if (body.stream === true) return sseResponse(streamChunks(model, answer, includeUsage), { delayMs: options.chunkDelayMs ?? 0, headers: { 'x-request-id': 'req_tool_fake' } })
      return Response.json(completion(model, answer))
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    plainText: PLAIN_TEXT,
    resultPrefix: RESULT_PREFIX,
    async stop() {
      await server.stop(true)
    },
  }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n')
  return ''
}

function usage(answer: Answer) {
  const completion = Math.ceil((answer.kind === 'text' ? answer.text.length : answer.calls.reduce((n, c) => n + c.arguments.length, 0)) / 4)
  return { prompt_tokens: 1200, completion_tokens: completion, total_tokens: 1200 + completion, prompt_tokens_details: { cached_tokens: 200 } }
}

function completion(model: string, answer: Answer) {
  const message: Record<string, unknown> = { role: 'assistant', content: answer.kind === 'text' ? answer.text : null, refusal: null }
  if (answer.reasoning) message.reasoning_content = answer.reasoning
  if (answer.kind === 'tool_call') message.tool_calls = answer.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }))
  return {
    id: 'chatcmpl-tool-fake',
    object: 'chat.completion',
    created: 1764000000,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.kind === 'text' ? 'stop' : 'tool_calls' }],
    usage: usage(answer),
  }
}

/** Chunks as vLLM streams them: role first, reasoning, then content or tool call fragments. */
function streamChunks(model: string, answer: Answer, includeUsage: boolean): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    formatSSE(undefined, JSON.stringify({ id: 'chatcmpl-tool-fake', object: 'chat.completion.chunk', created: 1764000000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }))
  const out = [chunk({ role: 'assistant', content: '' })]
  if (answer.reasoning) for (const piece of splitText(answer.reasoning, 3)) out.push(chunk({ reasoning: piece }))
  if (answer.kind === 'text') {
    for (const piece of splitText(answer.text, 4)) out.push(chunk({ content: piece }))
    out.push(chunk({}, 'stop'))
  } else {
    answer.calls.forEach((c, index) => {
      out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }))
      for (const piece of splitText(c.arguments, 5)) out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
    })
    out.push(chunk({}, 'tool_calls'))
  }
  if (includeUsage) {
    out.push(formatSSE(undefined, JSON.stringify({ id: 'chatcmpl-tool-fake', object: 'chat.completion.chunk', created: 1764000000, model, choices: [], usage: usage(answer) })))
  }
  out.push(formatSSE(undefined, '[DONE]'))
  return out
}

