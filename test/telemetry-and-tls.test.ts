// The listener's own TLS (server.tls) and the OTLP endpoints Claude Code exports to once signed
// in: a real https listener with a certificate made by openssl for the test, and a local OTLP
// collector that records what the gateway forwards to it (telemetry.forward_to).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from './helpers/free-port'
import { json, listenTestGateway, testConfig } from './helpers/gateway'
import { runTempDir } from './helpers/run-temp-dirs'
import { waitFor } from './helpers/wait-for'

const KEY = 'sk-telemetry-test'

describe('OTLP/HTTP from Claude Code: 200 always, forwarded verbatim to the collectors', () => {
  const received: { path: string; body: Uint8Array; type: string | null; encoding: string | null; auth: string | null }[] = []
  let collector: ReturnType<typeof Bun.serve>
  let gw: ReturnType<typeof listenTestGateway>
  let deadGw: ReturnType<typeof listenTestGateway>

  beforeAll(async () => {
    collector = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(request) {
        received.push({ path: new URL(request.url).pathname, body: new Uint8Array(await request.arrayBuffer()), type: request.headers.get('content-type'), encoding: request.headers.get('content-encoding'), auth: request.headers.get('authorization') })
        return new Response('{}')
      },
    })
    const base = { backends: { b: { base_url: 'http://127.0.0.1:9/v1' } }, models: { m: { backend: 'b' } }, auth: { keys: [{ key: KEY, user: 'u', tier: 'free' }] }, tiers: { free: {} } }
    gw = listenTestGateway(testConfig({ ...base, telemetry: { forward_to: [`http://127.0.0.1:${collector.port}`] } }))
    deadGw = listenTestGateway(testConfig({ ...base, telemetry: { forward_to: [`http://127.0.0.1:${await freePort()}`] } }))
  })
  afterAll(async () => {
    await gw?.stop()
    await deadGw?.stop()
    collector?.stop(true)
  })

  it('forwards protobuf and JSON bodies byte for byte, without the client credential', async () => {
    const protobuf = new Uint8Array([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 250, 251])
    const a = await fetch(`${gw.url}/v1/metrics`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, body: protobuf })
    expect(a.status).toBe(200)
    expect(a.headers.get('content-type')).toBe('application/x-protobuf')
    const b = await fetch(`${gw.url}/v1/logs`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{"resourceLogs":[]}' })
    expect(b.status).toBe(200)
    expect(await b.json()).toEqual({})
    expect(await waitFor(() => received.length === 2, 5_000)).toBe(true)
    const metrics = received.find((r) => r.path === '/v1/metrics')!
    expect([...metrics.body]).toEqual([...protobuf])
    expect(metrics).toMatchObject({ type: 'application/x-protobuf', encoding: 'gzip', auth: null })
    expect(new TextDecoder().decode(received.find((r) => r.path === '/v1/logs')!.body)).toBe('{"resourceLogs":[]}')
  })

  it('answers 200 while the collector is down, and counts what it dropped', async () => {
    const answer = await fetch(`${deadGw.url}/v1/traces`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{}' })
    expect(answer.status).toBe(200)
    expect(await waitFor(async () => (await (await fetch(`${deadGw.metricsUrl}/metrics`)).text()).includes('gateway_telemetry_dropped_total{reason="collector_error"} 1'), 10_000, 50)).toBe(true)
  })

  it('refuses strangers and oversized bodies, in the Anthropic error shape', async () => {
    const stranger = await fetch(`${gw.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(stranger.status).toBe(401)
    expect(stranger.headers.get('x-should-retry')).toBe('false')
    expect(await stranger.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    const huge = await fetch(`${gw.url}/v1/metrics`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/x-protobuf' }, body: new Uint8Array(5 * 1024 * 1024) })
    expect(huge.status).toBe(413)
    expect(await huge.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
  })
})

describe('TLS on the listener (server.tls)', () => {
  it('serves https with the configured certificate, the LLM routes included', async () => {
    const dir = runTempDir('llmgw-tls-')
    const cert = join(dir, 'cert.pem')
    const key = join(dir, 'key.pem')
    const made = Bun.spawnSync(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stderr: 'pipe' })
    expect(made.exitCode).toBe(0)
    const gw = listenTestGateway(testConfig({ server: { tls: { cert_file: cert, key_file: key } }, backends: { b: { format: 'demo' } }, models: { m: { backend: 'b' } }, auth: { keys: [{ key: KEY, user: 'u', tier: 'free' }] }, tiers: { free: {} } }))
    try {
      const https = gw.url.replace('http://', 'https://')
      const ca = readFileSync(cert, 'utf8')
      const health = await fetch(`${https}/health`, { tls: { ca } } as RequestInit)
      expect(health.status).toBe(200)
      const answer = await fetch(`${https}/v1/messages`, { ...json({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': KEY }), tls: { ca } } as RequestInit)
      expect(answer.status).toBe(200)
      // Plain http on the TLS port gets nothing useful.
      expect(await fetch(`${gw.url}/health`).then((r) => r.status, () => 'refused')).not.toBe(200)
    } finally {
      await gw.stop()
    }
  })
})
