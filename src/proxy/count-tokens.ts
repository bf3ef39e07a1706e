// `count_tokens` (Anthropic clients only): an Anthropic backend answers it itself; for a model on
// an OpenAI-format backend, which has no such endpoint, the gateway estimates with its own
// tokenizer and says so in a header. Never counted against the daily quota; held to the per-user
// limits before it gets here. The text is gathered here (cheap); its tokens are counted by
// deps.countTextTokens, which the server runs on a worker thread (server/token-counter.ts).
import { usageSubject } from '../auth/identity'
import type { RouteTarget } from '../routing/resolve-model'
import { gatherInputText } from '../protocol/tokens/gather-input-text'
import { translatorFor } from '../protocol/translators'
import { callBackend } from '../upstream/call-backend'
import { readErrorText } from '../upstream/read-error-text'
import { answerHeaders } from './answer-headers'
import type { ProxyDeps, ProxyRequest } from './proxy-request'
import { forClient } from './try-candidates'

// Without a counter (a test of the pipeline alone), the tokenizer runs here, loaded on first use.
let tokenizer: Promise<typeof import('../protocol/tokens/estimate-anthropic-input-tokens')> | null = null
const countHere = async (text: string) => (await (tokenizer ??= import('../protocol/tokens/estimate-anthropic-input-tokens'))).countTextTokens(text)

export async function countTokens(deps: ProxyDeps, req: ProxyRequest, target: RouteTarget): Promise<Response> {
  const headers = answerHeaders(req, 'application/json', target.model)
  if (target.backend.format === 'openai') {
    headers['x-gateway-token-count'] = 'estimate'
    const { text, fixed } = gatherInputText(req.body)
    const count = (await (deps.countTextTokens ?? countHere)(text)) + fixed
    return new Response(JSON.stringify({ input_tokens: count }), { headers })
  }
  const called = await callBackend(
    {
      backend: target.backend,
      endpoint: 'count_tokens',
      body: JSON.stringify({ ...req.body, model: target.upstreamModel }),
      stream: false,
      clientHeaders: req.headers,
      search: req.search,
      requestId: req.requestId,
      caller: usageSubject(req.identity),
      signal: req.signal,
    },
    deps.pools.get(target.backend.name),
  ).catch((error: unknown) => {
    throw forClient(error, 'anthropic')
  })
  const text = await readErrorText(called.response)
  called.release()
  if (!called.response.ok) {
    const mapped = translatorFor('anthropic', target.backend).error(called.response.status, text, target.backend.name)
    if (!mapped.passthrough) throw mapped.error
  }
  return new Response(text, { status: called.response.status, headers })
}
