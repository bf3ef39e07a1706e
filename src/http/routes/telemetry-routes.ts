// OTLP/HTTP from signed-in Claude Code clients: POST /v1/metrics, /v1/logs and /v1/traces.
// Always answered 200 (an exporter that gets errors logs one on every flush), whether the data is
// forwarded (`telemetry.forward_to`, through a bounded queue) or discarded. Callers must hold a
// credential: the gateway relays nothing for strangers.
import { Elysia } from 'elysia'
import type { Authenticate } from '../../auth/create-authenticator'
import type { OtlpSignal, TelemetryForwarder } from '../../telemetry/telemetry-forwarder'
import { addressOf } from '../middleware/client-address'
import { readLimited } from '../middleware/read-json-body'

/** Claude Code's batches are a few KB; a collector's default limit is 4 MiB. */
export const MAX_OTLP_BYTES = 4 * 1024 * 1024

export function telemetryRoutes(deps: { authenticate: Authenticate; forwarder: TelemetryForwarder }) {
  const { authenticate, forwarder } = deps
  const receive = (signal: OtlpSignal) => async ({ request }: { request: Request }) => {
    const body = await readLimited(request, MAX_OTLP_BYTES)
    const contentType = request.headers.get('content-type') ?? 'application/x-protobuf'
    forwarder.enqueue({ signal, body, contentType, contentEncoding: request.headers.get('content-encoding') })
    // An empty Export*ServiceResponse: `{}` in JSON, zero bytes in protobuf.
    return contentType.startsWith('application/json')
      ? new Response('{}', { headers: { 'content-type': 'application/json' } })
      : new Response(new Uint8Array(0), { headers: { 'content-type': 'application/x-protobuf' } })
  }
  const detail = (signal: string) => ({ parse: 'none' as const, detail: { summary: `OTLP/HTTP ${signal} (forwarded to telemetry.forward_to)`, tags: ['Sign-in'] } })
  return new Elysia({ name: 'telemetry' })
    // Before the body is read; on the context, so that the access log names the caller. Failures
    // count against the caller's own address (the failed-login limit), never one shared by all.
    .derive(async ({ request }) => ({ identity: await authenticate(request.headers, addressOf(request)) }))
    .post('/v1/metrics', receive('metrics'), detail('metrics'))
    .post('/v1/logs', receive('logs'), detail('logs'))
    .post('/v1/traces', receive('traces'), detail('traces'))
}
