// Gives every response a request id of the gateway's own making, as both APIs do (`request-id` for
// Anthropic clients, `x-request-id` for OpenAI ones). A client never chooses it: an id a client
// can set could collide with another request's in the logs, or be made to look like one. A sane
// incoming `x-request-id` is kept beside it as the client's own, for tracing across hops, in the
// access log. Set at the very start of the request, so that errors raised while parsing carry it too.
import { Elysia } from 'elysia'
import type { RequestRecord } from '../../proxy/request-record'

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function newRequestId(): string {
  return `req_${crypto.randomUUID().replaceAll('-', '')}`
}

/** The caller's own `x-request-id` when it is sane (for the log only), else undefined. */
export function clientRequestIdOf(headers: Headers): string | undefined {
  const incoming = headers.get('x-request-id')
  return incoming !== null && SANE_ID.test(incoming) ? incoming : undefined
}

/** A new record for a request: the gateway's id, the client's own if it sent one, the start time. */
export function newRequestRecord(headers: Headers): RequestRecord {
  const record: RequestRecord = { requestId: newRequestId(), startedAt: performance.now() }
  const clientRequestId = clientRequestIdOf(headers)
  if (clientRequestId !== undefined) record.clientRequestId = clientRequestId
  return record
}

export function requestIdPlugin() {
  return new Elysia({ name: 'request-id' })
    .onRequest(({ request, set }) => {
      const record = newRequestRecord(request.headers)
      set.headers['request-id'] = record.requestId
      set.headers['x-request-id'] = record.requestId
      meta.set(request, record)
    })
}

const meta = new WeakMap<Request, RequestRecord>()

/** The record of a request, from any hook (errors included). */
export function requestMeta(request: Request): RequestRecord | undefined {
  return meta.get(request)
}
