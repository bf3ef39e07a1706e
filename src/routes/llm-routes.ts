// The three LLM routes. Each authenticates, reads the JSON body within the size limit, checks the
// few fields the gateway owns with a typed schema (everything else passes through untouched), and
// hands the request to the proxy.
import { Elysia, t } from 'elysia'
import type { IdentityResolver } from '../plugins/auth'
import { readJsonBody } from '../plugins/read-json-body'
import { requestIdPlugin, requestMeta } from '../plugins/request-id'
import type { ProxyRequest } from '../proxy/proxy-types'

const anthropicBody = t.Object(
  {
    model: t.String({ minLength: 1 }),
    messages: t.Array(t.Unknown()),
    max_tokens: t.Optional(t.Integer({ minimum: 1 })),
    stream: t.Optional(t.Boolean()),
  },
  { additionalProperties: true },
)

const countTokensBody = t.Object({ model: t.String({ minLength: 1 }), messages: t.Array(t.Unknown()) }, { additionalProperties: true })

const chatBody = t.Object(
  {
    model: t.String({ minLength: 1 }),
    messages: t.Array(t.Unknown(), { minItems: 1 }),
    stream: t.Optional(t.Boolean()),
  },
  { additionalProperties: true },
)

export interface LlmRouteDeps {
  identityOf: IdentityResolver
  maxBodyBytes: number
  proxy: (req: ProxyRequest) => Promise<Response>
}

/**
 * Puts the request id on the proxy's own Response and empties Elysia's pending headers, so that
 * Elysia hands the Response to Bun as it is instead of copying it to merge them (a stream too).
 */
async function withRequestId(set: { headers: Record<string, unknown> }, requestId: string, pending: Promise<Response>): Promise<Response> {
  const response = await pending
  response.headers.set('request-id', requestId)
  response.headers.set('x-request-id', requestId)
  delete set.headers['request-id']
  delete set.headers['x-request-id']
  return response
}

function searchOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q)
}

export function llmRoutes(deps: LlmRouteDeps) {
  const { identityOf, maxBodyBytes, proxy } = deps
  return new Elysia({ name: 'llm-routes' })
    .use(requestIdPlugin())
    .onParse(async ({ request }) => {
      await identityOf(request)
      return readJsonBody(request, maxBodyBytes)
    })
    .derive(async ({ request }) => ({ identity: await identityOf(request) }))
    .post(
      '/v1/messages',
      ({ body, identity, request, requestId, set }) =>
        withRequestId(set, requestId, proxy({ format: 'anthropic', endpoint: 'messages', body, identity, requestId, headers: request.headers, search: searchOf(request.url), signal: request.signal, record: requestMeta(request) })),
      { body: anthropicBody, detail: { summary: 'Anthropic Messages (streaming and not)', tags: ['LLM'] } },
    )
    .post(
      '/v1/messages/count_tokens',
      ({ body, identity, request, requestId, set }) =>
        withRequestId(set, requestId, proxy({ format: 'anthropic', endpoint: 'count_tokens', body, identity, requestId, headers: request.headers, search: searchOf(request.url), signal: request.signal, record: requestMeta(request) })),
      { body: countTokensBody, detail: { summary: 'Count input tokens (never counted against quota)', tags: ['LLM'] } },
    )
    .post(
      '/v1/chat/completions',
      ({ body, identity, request, requestId, set }) =>
        withRequestId(set, requestId, proxy({ format: 'openai', endpoint: 'chat_completions', body, identity, requestId, headers: request.headers, search: '', signal: request.signal, record: requestMeta(request) })),
      { body: chatBody, detail: { summary: 'OpenAI Chat Completions (streaming and not)', tags: ['LLM'] } },
    )
}
