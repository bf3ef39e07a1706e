// Gives every response a request id, as both APIs do (`request-id` for Anthropic clients,
// `x-request-id` for OpenAI ones). A sane incoming `x-request-id` is kept for tracing across hops.
// Set at the very start of the request, so that errors raised while parsing carry it too.
import { Elysia } from 'elysia'
import type { RequestRecord } from '../../proxy/request-record'

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll('-', '')}`
}

/** The caller's own `x-request-id` when it is sane, else a new one. */
export function requestIdFor(headers: Headers): string {
  const incoming = headers.get('x-request-id')
  return incoming && SANE_ID.test(incoming) ? incoming : newRequestId()
}

export function requestIdPlugin() {
  return new Elysia({ name: 'request-id' })
    .onRequest(({ request, set }) => {
      const requestId = requestIdFor(request.headers)
      set.headers['request-id'] = requestId
      set.headers['x-request-id'] = requestId
      meta.set(request, { requestId, startedAt: performance.now() })
    })
}

const meta = new WeakMap<Request, RequestRecord>()

/** The record of a request, from any hook (errors included). */
export function requestMeta(request: Request): RequestRecord | undefined {
  return meta.get(request)
}
