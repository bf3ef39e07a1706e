// The LLM route table: each route's path, the wire format its clients speak, and the typed schema
// of the few body fields the gateway itself relies on (everything else passes through untouched).
// One definition serves both the validation (compiled once by TypeBox, the schema library Elysia
// is built on) and the OpenAPI document.
import { type TSchema, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { LlmEndpoint, WireFormat } from '../../protocol/vocabulary'
import { invalidBodyMessage } from '../middleware/error-handler'

const anthropicMessagesBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(Type.Unknown()),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
)

const countTokensBody = Type.Object({ model: Type.String({ minLength: 1, maxLength: 256 }), messages: Type.Array(Type.Unknown()) }, { additionalProperties: true })

const chatCompletionsBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(Type.Unknown(), { minItems: 1 }),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
)

const responsesBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Unknown())], { description: 'a string, or an array of input items' })),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
)

export interface LlmRoute {
  endpoint: LlmEndpoint
  path: string
  /** The wire format of the route's clients, in which its errors are answered too. */
  format: WireFormat
  /** Null when the body is valid, else a message naming the field. */
  check(body: unknown): string | null
}

function checker(schema: TSchema): (body: unknown) => string | null {
  const compiled = TypeCompiler.Compile(schema)
  return (body) => {
    if (compiled.Check(body)) return null
    const first = compiled.Errors(body).First()
    return invalidBodyMessage(first?.path, first?.message)
  }
}

const LLM_ROUTES: Record<LlmEndpoint, LlmRoute> = {
  messages: { endpoint: 'messages', path: '/v1/messages', format: 'anthropic', check: checker(anthropicMessagesBody) },
  count_tokens: { endpoint: 'count_tokens', path: '/v1/messages/count_tokens', format: 'anthropic', check: checker(countTokensBody) },
  chat_completions: { endpoint: 'chat_completions', path: '/v1/chat/completions', format: 'openai', check: checker(chatCompletionsBody) },
  responses: { endpoint: 'responses', path: '/v1/responses', format: 'responses', check: checker(responsesBody) },
}

/**
 * The path of an LLM route as written in the table. A base URL set to `https://gateway/v1` (a
 * common set-up line, and what OpenAI clients want) makes Anthropic clients call `/v1/v1/messages`:
 * the doubled prefix is accepted on every LLM route. A trailing slash is allowed, as Elysia allows it.
 */
export function canonicalLlmPath(pathname: string): string {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname
  return path.startsWith('/v1/v1/') ? path.slice(3) : path
}

/** The route of a POST to `pathname`, if it is an LLM route. */
export function llmRouteFor(pathname: string): LlmRoute | null {
  switch (canonicalLlmPath(pathname)) {
    case '/v1/messages':
      return LLM_ROUTES.messages
    case '/v1/messages/count_tokens':
      return LLM_ROUTES.count_tokens
    case '/v1/chat/completions':
      return LLM_ROUTES.chat_completions
    case '/v1/responses':
      return LLM_ROUTES.responses
    default:
      return null
  }
}

const jsonBody = (schema: TSchema) => ({ required: true, content: { 'application/json': { schema } } })
const errorResponses = { '400': { description: 'Invalid request' }, '401': { description: 'Missing or invalid credential' }, '429': { description: 'Daily quota used up' } }

/** The OpenAPI entries of the LLM routes, for the document at /docs. */
export const llmOpenApiPaths = {
  '/v1/messages': {
    post: { summary: 'Anthropic Messages (streaming and not)', tags: ['LLM'], requestBody: jsonBody(anthropicMessagesBody), responses: { '200': { description: 'A message, or an SSE stream of events' }, ...errorResponses } },
  },
  '/v1/messages/count_tokens': {
    post: { summary: 'Count input tokens (never counted against quota)', tags: ['LLM'], requestBody: jsonBody(countTokensBody), responses: { '200': { description: '{"input_tokens": N}' }, ...errorResponses } },
  },
  '/v1/chat/completions': {
    post: { summary: 'OpenAI Chat Completions (streaming and not)', tags: ['LLM'], requestBody: jsonBody(chatCompletionsBody), responses: { '200': { description: 'A completion, or an SSE stream of chunks' }, ...errorResponses } },
  },
  '/v1/responses': {
    post: { summary: 'OpenAI Responses (streaming and not; Codex)', tags: ['LLM'], requestBody: jsonBody(responsesBody), responses: { '200': { description: 'A response, or an SSE stream of Responses events' }, ...errorResponses } },
  },
}
