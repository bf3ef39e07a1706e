import { afterEach, describe, expect, it } from 'bun:test'
import { waitFor } from '../../test/helpers/wait-for'
import { createTelemetryForwarder, type DropReason } from './telemetry-forwarder'

const servers: ReturnType<typeof Bun.serve>[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true)
})

function collector(handler: (request: Request) => Promise<Response> | Response) {
  const received: { path: string; body: Uint8Array; headers: Headers }[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      received.push({ path: new URL(request.url).pathname, body: new Uint8Array(await request.arrayBuffer()), headers: request.headers })
      return handler(request)
    },
  })
  servers.push(server)
  return { url: `http://127.0.0.1:${server.port}`, received }
}

describe('telemetry forwarder', () => {
  it('forwards each batch verbatim, with its content type and encoding, to every collector', async () => {
    const a = collector(() => new Response('{}'))
    const b = collector(() => new Response('{}'))
    let forwarded = 0
    const f = createTelemetryForwarder({ targets: [a.url, b.url], onForwarded: () => forwarded++ })
    const body = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 255])
    expect(f.enqueue({ signal: 'metrics', body, contentType: 'application/x-protobuf', contentEncoding: 'gzip' })).toBe(true)
    expect(await waitFor(() => forwarded === 2, 5_000)).toBe(true)
    for (const c of [a, b]) {
      expect(c.received[0]!.path).toBe('/v1/metrics')
      expect([...c.received[0]!.body]).toEqual([...body])
      expect(c.received[0]!.headers.get('content-type')).toBe('application/x-protobuf')
      expect(c.received[0]!.headers.get('content-encoding')).toBe('gzip')
      expect(c.received[0]!.headers.get('authorization')).toBeNull()
    }
  })

  it('never waits for a stuck collector: a full queue drops and counts, and enqueue returns at once', async () => {
    const stuck = collector(() => new Promise<Response>(() => {}))
    const drops: DropReason[] = []
    const f = createTelemetryForwarder({ targets: [stuck.url], maxQueued: 5, concurrency: 1, timeoutMs: 60_000, onDrop: (r) => drops.push(r) })
    // Synchronous: a forwarder that waited on the collector would hang here.
    const accepted = Array.from({ length: 50 }, () => f.enqueue({ signal: 'logs', body: new Uint8Array(10), contentType: 'application/json', contentEncoding: null }))
    // One in flight, five queued; the rest dropped.
    expect(accepted.filter(Boolean)).toHaveLength(6)
    expect(drops.filter((d) => d === 'queue_full')).toHaveLength(44)
  })

  it('counts what a collector refuses or cannot take, and bounds the queued bytes', async () => {
    const refusing = collector(() => new Response('no', { status: 500 }))
    const drops: DropReason[] = []
    const f = createTelemetryForwarder({ targets: [refusing.url, 'http://127.0.0.1:9'], maxQueuedBytes: 100, onDrop: (r) => drops.push(r) })
    expect(f.enqueue({ signal: 'traces', body: new Uint8Array(60), contentType: 'application/json', contentEncoding: null })).toBe(false)
    expect(f.enqueue({ signal: 'traces', body: new Uint8Array(40), contentType: 'application/json', contentEncoding: null })).toBe(true)
    expect(await waitFor(() => drops.filter((d) => d === 'collector_error').length === 2, 5_000)).toBe(true)
    expect(drops.filter((d) => d === 'queue_full')).toHaveLength(2)
  })
})
