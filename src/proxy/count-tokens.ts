// `count_tokens` (Anthropic clients only): an Anthropic backend answers it itself; for a model on
// an OpenAI-format backend, which has no such endpoint, the gateway estimates with its own
// tokenizer and says so in a header. Never counted against the quota.
import type { RouteTarget } from '../routing/resolve-model'
import { translatorFor } from '../protocol/translators'
import { callBackend } from '../upstream/call-backend'
import { readErrorText } from '../upstream/read-error-text'
import { answerHeaders } from './answer-headers'
import type { ProxyDeps, ProxyRequest } from './proxy-request'
import { forClient } from './try-candidates'

// The tokenizer's tables take ~90 MB of memory: loaded on the first count_tokens that needs it.
let tokenizer: Promise<typeof import('../protocol/tokens/estimate-anthropic-input-tokens')> | null = null
const loadTokenizer = () => (tokenizer ??= import('../protocol/tokens/estimate-anthropic-input-tokens'))

export async function countTokens(deps: ProxyDeps, req: ProxyRequest, target: RouteTarget): Promise<Response> {
  const headers = answerHeaders(req, 'application/json', target.model)
  if (target.backend.format === 'openai') {
    headers['x-gateway-token-count'] = 'estimate'
    const { estimateAnthropicInputTokens } = await loadTokenizer()
    return new Response(JSON.stringify({ input_tokens: estimateAnthropicInputTokens(req.body) }), { headers })
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
