// The soak's clients: virtual users sending a mix of requests to the gateways for as long as the
// run lasts, and what each one got back. The mix covers both APIs, streaming and not, same-format
// and translated, tool calls, streams the client aborts after the first chunk, slow readers, and
// bad requests (malformed, unknown model, no or a wrong key, oversized, count_tokens). Each
// outcome records what a client can tell: the status, whether a stream completed or ended with an
// error event, and what was wrong with an answer; soak-checks.ts judges them.
import { parseSSEText } from '../helpers/read-sse'
import { validateAnthropicEvents } from '../helpers/validate-anthropic-stream'
import { validateOpenAIStream } from '../helpers/validate-openai-stream'

export type Tier = 'free' | 'pro' | 'enterprise'

export interface SoakUser {
  id: string
  key: string
  tier: Tier
}

export type RequestKind =
  | 'messages'
  | 'messages-stream'
  | 'messages-translated'
  | 'messages-translated-stream'
  | 'chat'
  | 'chat-stream'
  | 'chat-translated'
  | 'chat-translated-stream'
  | 'messages-tools-stream'
  | 'chat-tools'
  | 'aborted-stream'
  | 'slow-reader'
  | 'count-tokens'
  | 'bad-json'
  | 'unknown-model'
  | 'no-key'
  | 'wrong-key'
  | 'oversized'

/** Requests that are counted when admitted; the others never are. */
export const COUNTED_KINDS: ReadonlySet<RequestKind> = new Set<RequestKind>([
  'messages',
  'messages-stream',
  'messages-translated',
  'messages-translated-stream',
  'chat',
  'chat-stream',
  'chat-translated',
  'chat-translated-stream',
  'messages-tools-stream',
  'chat-tools',
  'aborted-stream',
  'slow-reader',
])

/** What a bad request must get (the store being down may turn an auth lookup into 503). */
export const EXPECTED_STATUS: Partial<Record<RequestKind, number>> = {
  'count-tokens': 200,
  'bad-json': 400,
  'unknown-model': 404,
  'no-key': 401,
  'wrong-key': 401,
  oversized: 413,
}

export interface Outcome {
  kind: RequestKind
  user: SoakUser | null
  gateway: number
  /** Milliseconds since the run started. */
  startedAt: number
  endedAt: number
  /** null: no HTTP answer (the connection failed). */
  status: number | null
  /** The connection was refused: the request never reached a gateway. */
  refused: boolean
  error?: string
  /** The start of a non-200 answer's body. */
  message?: string
  /** For streams answered 200: how they ended. */
  stream?: 'completed' | 'error-event' | 'aborted-by-client' | 'cut'
  /** What was wrong with an answer (a malformed stream, missing tool calls). */
  problems: string[]
}

export interface LoadOptions {
  /** Gateway base URLs by index; an index not in `routable()` gets no new requests. */
  urls: () => string[]
  routable: () => number[]
  /** The user for a request of this tier, at this moment of the run. */
  userFor: (tier: Tier, random: () => number) => SoakUser
  clients: number
  maxBodyBytes: number
  random: () => number
  startedAt: number
  /** Resolves when the run's load should stop. */
  until: Promise<void>
}

const KIND_WEIGHTS: Array<[RequestKind, number]> = [
  ['messages', 8],
  ['messages-stream', 10],
  ['messages-translated', 6],
  ['messages-translated-stream', 8],
  ['chat', 8],
  ['chat-stream', 10],
  ['chat-translated', 5],
  ['chat-translated-stream', 6],
  ['messages-tools-stream', 5],
  ['chat-tools', 4],
  ['aborted-stream', 5],
  ['slow-reader', 3],
  ['count-tokens', 3],
  ['bad-json', 2],
  ['unknown-model', 2],
  ['no-key', 2],
  ['wrong-key', 2],
  ['oversized', 1],
]
const TOTAL_WEIGHT = KIND_WEIGHTS.reduce((sum, [, w]) => sum + w, 0)

function pick<T>(weighted: Array<[T, number]>, total: number, random: () => number): T {
  let r = random() * total
  for (const [value, weight] of weighted) {
    r -= weight
    if (r < 0) return value
  }
  return weighted[weighted.length - 1]![0]
}

const TIER_WEIGHTS: Array<[Tier, number]> = [
  ['free', 4],
  ['pro', 4],
  ['enterprise', 2],
]

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather of a city',
  schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
}

interface Plan {
  path: string
  body: string
  headers: Record<string, string>
  stream: boolean
  format: 'anthropic' | 'openai'
}

/** Models of the soak's config: `qwen3-32b` on OpenAI-format fakes, `claude-haiku` on an Anthropic-format fake, `tools-*` on the scripted one. */
function plan(kind: RequestKind, user: SoakUser, maxBodyBytes: number): Plan {
  const auth = { 'x-api-key': user.key }
  const messages = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hello' }], ...extra })
  const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], ...extra })
  const post = (path: string, body: unknown, stream: boolean, format: Plan['format'], headers: Record<string, string> = auth): Plan => ({
    path,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
    stream,
    format,
  })
  const streamOpts = { stream: true, stream_options: { include_usage: true } }
  switch (kind) {
    case 'messages':
      return post('/v1/messages', messages('claude-haiku'), false, 'anthropic')
    case 'messages-stream':
    case 'aborted-stream':
    case 'slow-reader':
      return post('/v1/messages', messages('claude-haiku', { stream: true }), true, 'anthropic')
    case 'messages-translated':
      return post('/v1/messages', messages('qwen3-32b'), false, 'anthropic')
    case 'messages-translated-stream':
      return post('/v1/messages', messages('qwen3-32b', { stream: true }), true, 'anthropic')
    case 'chat':
      return post('/v1/chat/completions', chat('qwen3-32b'), false, 'openai')
    case 'chat-stream':
      return post('/v1/chat/completions', chat('qwen3-32b', streamOpts), true, 'openai')
    case 'chat-translated':
      return post('/v1/chat/completions', chat('claude-haiku'), false, 'openai')
    case 'chat-translated-stream':
      return post('/v1/chat/completions', chat('claude-haiku', streamOpts), true, 'openai')
    case 'messages-tools-stream':
      return post(
        '/v1/messages',
        {
          model: 'tools-qwen',
          max_tokens: 256,
          stream: true,
          tools: [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, input_schema: WEATHER_TOOL.schema }],
          messages: [{ role: 'user', content: 'What is the weather in Paris and Tokyo?' }],
        },
        true,
        'anthropic',
      )
    case 'chat-tools':
      return post(
        '/v1/chat/completions',
        {
          model: 'tools-claude',
          max_tokens: 256,
          tools: [{ type: 'function', function: { name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.schema } }],
          messages: [{ role: 'user', content: 'What is the weather in Paris and Tokyo?' }],
        },
        false,
        'openai',
      )
    case 'count-tokens':
      return post('/v1/messages/count_tokens', { model: 'claude-haiku', messages: [{ role: 'user', content: 'hello' }] }, false, 'anthropic')
    case 'bad-json':
      return post('/v1/chat/completions', '{"model": "qwen3-32b", "messages": [', false, 'openai')
    case 'unknown-model':
      return post('/v1/messages', messages('no-such-model-anywhere'), false, 'anthropic')
    case 'no-key':
      return post('/v1/messages', messages('claude-haiku'), false, 'anthropic', {})
    case 'wrong-key':
      return post('/v1/chat/completions', chat('qwen3-32b'), false, 'openai', { authorization: 'Bearer sk-soak-not-a-key' })
    case 'oversized':
      return post('/v1/chat/completions', chat('qwen3-32b', { padding: 'x'.repeat(maxBodyBytes + 1024) }), false, 'openai')
    default: {
      const never_: never = kind
      throw new Error(`unknown request kind ${String(never_)}`)
    }
  }
}

/** What is wrong with a complete non-streamed 200 answer of this kind, if anything. */
function checkAnswer(kind: RequestKind, text: string): string[] {
  let body: Record<string, any>
  try {
    body = JSON.parse(text)
  } catch {
    return [`${kind}: 200 with a body that is not JSON`]
  }
  if (kind === 'count-tokens') return typeof body.input_tokens === 'number' ? [] : ['count-tokens: no input_tokens']
  if (kind === 'chat-tools') {
    const calls = body.choices?.[0]?.message?.tool_calls ?? []
    const complete = calls.filter((c: any) => {
      try {
        return typeof JSON.parse(c.function?.arguments ?? '').city === 'string'
      } catch {
        return false
      }
    })
    return complete.length === 2 ? [] : [`chat-tools: ${complete.length} complete tool calls instead of 2`]
  }
  if (kind.startsWith('messages')) return body.type === 'message' && Array.isArray(body.content) ? [] : [`${kind}: not an Anthropic message`]
  return Array.isArray(body.choices) && body.choices.length > 0 ? [] : [`${kind}: not a chat completion`]
}

/** How a fully read stream ended, and what is wrong with it. */
function judgeStream(kind: RequestKind, format: 'anthropic' | 'openai', text: string): { end: Outcome['stream']; problems: string[] } {
  const events = parseSSEText(text)
  if (format === 'anthropic') {
    if (events.some((e) => e.event === 'error')) return { end: 'error-event', problems: [] }
    if (events.at(-1)?.event !== 'message_stop') return { end: 'cut', problems: [`${kind}: stream ended without message_stop or an error event`] }
    // Same-format streams pass an event type the gateway does not know on, as the API asks of clients.
    const passthrough = kind === 'messages-stream' || kind === 'aborted-stream' || kind === 'slow-reader'
    const problems = validateAnthropicEvents(events)
      .filter((p) => !(passthrough && p.endsWith('unknown event type')))
      .map((p) => `${kind}: ${p}`)
    if (kind === 'messages-tools-stream') {
      const toolStarts = events.filter((e) => e.event === 'content_block_start' && e.data.includes('"tool_use"')).length
      if (toolStarts !== 2) problems.push(`${kind}: ${toolStarts} tool_use blocks instead of 2`)
    }
    return { end: 'completed', problems }
  }
  if (events.some((e) => e.data.startsWith('{"error"'))) return { end: 'error-event', problems: [] }
  if (events.at(-1)?.data !== '[DONE]') return { end: 'cut', problems: [`${kind}: stream ended without [DONE] or an error event`] }
  return { end: 'completed', problems: validateOpenAIStream(text).map((p) => `${kind}: ${p}`) }
}

async function send(kind: RequestKind, user: SoakUser, gateway: number, url: string, options: LoadOptions): Promise<Outcome> {
  const p = plan(kind, user, options.maxBodyBytes)
  const now = () => performance.now() - options.startedAt
  const anonymous = kind === 'wrong-key' || kind === 'no-key'
  const outcome: Outcome = { kind, user: anonymous ? null : user, gateway, startedAt: now(), endedAt: 0, status: null, refused: false, problems: [] }
  const controller = new AbortController()
  // Bounded: no request of the soak may take longer than this, whatever a gateway does.
  const timer = setTimeout(() => controller.abort(), 60_000)
  try {
    const response = await fetch(`${url}${p.path}`, { method: 'POST', headers: p.headers, body: p.body, signal: controller.signal, keepalive: false })
    outcome.status = response.status
    if (response.status !== 200 || !p.stream) {
      const text = await response.text()
      if (response.status === 200) outcome.problems.push(...checkAnswer(kind, text))
      else outcome.message = text.slice(0, 300)
      if (response.status >= 500 && /at .*\.ts:\d+|node_modules|Error: /.test(text)) outcome.problems.push(`${kind}: ${response.status} body shows internals`)
      return outcome
    }
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    for (let chunks = 0; ; chunks++) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      if (kind === 'aborted-stream') {
        controller.abort()
        outcome.stream = 'aborted-by-client'
        return outcome
      }
      if (kind === 'slow-reader') await Bun.sleep(150)
    }
    const judged = judgeStream(kind, p.format, text + decoder.decode())
    outcome.stream = judged.end
    outcome.problems.push(...judged.problems)
    return outcome
  } catch (error) {
    if (outcome.stream === 'aborted-by-client') return outcome
    const e = error as { code?: string; name?: string; message?: string }
    outcome.refused = e.code === 'ConnectionRefused'
    outcome.error = `${e.code ?? e.name ?? 'Error'}: ${e.message ?? ''}`.slice(0, 200)
    if (outcome.status === 200 && p.stream) outcome.stream = 'cut'
    return outcome
  } finally {
    clearTimeout(timer)
    outcome.endedAt = now()
  }
}

/** Runs the clients until `options.until` resolves; returns every outcome. */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let stopped = false
  void options.until.then(() => (stopped = true))
  const client = async (index: number) => {
    while (!stopped) {
      const routable = options.routable()
      if (routable.length === 0) {
        await Bun.sleep(50)
        continue
      }
      const gateway = routable[Math.floor(options.random() * routable.length)]!
      const kind = pick(KIND_WEIGHTS, TOTAL_WEIGHT, options.random)
      const tier = pick(TIER_WEIGHTS, 10, options.random)
      const user = options.userFor(tier, options.random)
      const outcome = await send(kind, user, gateway, options.urls()[gateway]!, options)
      // A refused connection never reached a gateway (it was between processes): try elsewhere.
      if (!outcome.refused) outcomes.push(outcome)
      await Bun.sleep(10 + Math.floor(options.random() * 40) + index % 3)
    }
  }
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)))
  return outcomes
}
