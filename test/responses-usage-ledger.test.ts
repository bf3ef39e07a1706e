// A Responses API client's cached input tokens reach the usage ledger as the client was told of
// them (`usage.input_tokens_details.cached_tokens`), streamed or not, on every kind of backend: a
// native Responses backend, a Chat Completions backend and an Anthropic backend, each a fake
// upstream speaking the real wire format.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream'
import { json, listenTestGateway, testConfig, threeBackendFormats } from './helpers/gateway'
import { readSSE } from './helpers/read-sse'
import * as wire from './helpers/llm-wire'
import { waitFor } from './helpers/wait-for'

const ADMIN = 'sk-admin-responses-ledger'
const reply = { id: 'resp_cached', model: 'm', text: ['Hello', ' there'] }
const CASES = [
  { backend: 'native', model: 'gpt-cached' },
  { backend: 'chat', model: 'qwen-cached' },
  { backend: 'anthropic', model: 'claude-cached' },
] as const

let up: FakeUpstream
let gw: ReturnType<typeof listenTestGateway>
const users = CASES.flatMap((c) => [false, true].map((stream) => `u-${c.backend}-${stream ? 'stream' : 'json'}`))

beforeAll(() => {
  up = startFakeUpstream()
  gw = listenTestGateway(
    testConfig({
      backends: threeBackendFormats(up.url),
      models: { 'claude-cached': { backend: 'claude' }, 'qwen-cached': { backend: 'internal' }, 'gpt-cached': { backend: 'native' } },
      tiers: { pro: { daily_requests: 100, models: ['*'] } },
      auth: { admin_key: ADMIN, keys: users.map((user) => ({ key: `sk-${user}`, user, tier: 'pro' })) },
    }),
  )
})
afterAll(async () => {
  await gw.stop()
  await up.stop()
})

/** The fake backend's answer: 120 input tokens, 30 of them read from the cache. */
function upstreamAnswer(backend: (typeof CASES)[number]['backend'], stream: boolean): wire.WireReply | unknown {
  const responsesUsage = { input_tokens: 120, input_tokens_details: { cached_tokens: 30 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 122 }
  const chatUsage = { prompt_tokens: 120, completion_tokens: 2, total_tokens: 122, prompt_tokens_details: { cached_tokens: 30 } }
  const anthropicUsage = { input_tokens: 90, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 30 }
  if (stream) {
    const events = backend === 'native' ? wire.responsesStream(reply, { usage: responsesUsage }) : backend === 'chat' ? wire.openaiStream(reply, { usage: chatUsage, includeUsage: true }) : wire.anthropicStream(reply, { usage: anthropicUsage })
    return { kind: 'raw-stream', events }
  }
  const body = backend === 'native' ? wire.responsesResponse(reply, { usage: responsesUsage }) : backend === 'chat' ? wire.openaiCompletion(reply, { usage: chatUsage }) : wire.anthropicMessage(reply, { usage: anthropicUsage })
  return { kind: 'status', status: 200, body }
}

describe('a Responses client on a fake upstream that reports cached input tokens', () => {
  for (const c of CASES) {
    for (const stream of [false, true]) {
      it(`has them in the usage ledger as it was told: ${c.backend} backend, ${stream ? 'streamed' : 'not streamed'}`, async () => {
        const user = `u-${c.backend}-${stream ? 'stream' : 'json'}`
        up.script.push(upstreamAnswer(c.backend, stream) as never)
        const res = await fetch(`${gw.url}/v1/responses`, json({ model: c.model, stream, input: 'hi' }, { 'x-api-key': `sk-${user}` }))
        expect(res.status).toBe(200)
        let told: { input_tokens: number; input_tokens_details: { cached_tokens: number } }
        if (stream) {
          const completed = (await readSSE(res)).find((e) => e.event === 'response.completed')!
          told = JSON.parse(completed.data).response.usage
        } else {
          told = ((await res.json()) as { usage: typeof told }).usage
        }
        expect(told.input_tokens_details.cached_tokens).toBe(30)
        let row: { input_tokens: number; cache_read_tokens: number } | undefined
        await waitFor(async () => {
          const report = (await (await fetch(`${gw.url}/admin/usage?group_by=user&user=${user}`, { headers: { 'x-api-key': ADMIN } })).json()) as { rows: (typeof row)[] }
          row = report.rows[0]
          return row !== undefined
        }, 5_000, 50)
        expect(row).toMatchObject({ input_tokens: told.input_tokens, cache_read_tokens: 30 })
      })
    }
  }
})
