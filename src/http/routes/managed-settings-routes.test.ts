import { describe, expect, it } from 'bun:test'
import { testConfig } from '../../../test/helpers/gateway'
import type { Identity } from '../../auth/identity'
import { managedSettingsFor, managedSettingsRoutes } from './managed-settings-routes'

function config(tiers: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return testConfig({ backends: { b: { base_url: 'http://127.0.0.1:9/v1' } }, models: { m: { backend: 'b' } }, tiers, ...extra })
}

describe('managed settings per tier', () => {
  it("adds the protocol's env entries to the tier's own settings; the operator's env wins", () => {
    const c = config({ free: { managed_settings: { permissions: { deny: ['WebFetch'] }, env: { DISABLE_UPDATES: '1', CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '0' } } }, pro: {} })
    const free = managedSettingsFor(c, c.tiers.free!)!
    expect(free.settings).toEqual({ permissions: { deny: ['WebFetch'] }, env: { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '0', DISABLE_UPDATES: '1' } })
    expect(free.checksum).toMatch(/^sha256:[0-9a-f]{64}$/)
    // What Claude Code computes from the settings it holds: sha256 of the JSON with sorted keys, no whitespace.
    const sorted = '{"env":{"CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY":"0","DISABLE_UPDATES":"1"},"permissions":{"deny":["WebFetch"]}}'
    expect(free.checksum).toBe(`sha256:${new Bun.CryptoHasher('sha256').update(sorted).digest('hex')}`)
    expect(managedSettingsFor(c, c.tiers.pro!)!.settings).toEqual({ env: { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' } })
  })

  it('turns on OpenTelemetry towards the gateway when it forwards telemetry', () => {
    const c = config({ free: {} }, { server: { public_url: 'https://gw.test' }, telemetry: { forward_to: ['http://collector:4318'] } })
    expect(managedSettingsFor(c, c.tiers.free!)!.settings.env).toMatchObject({ CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.test' })
  })

  it('gives equal settings written in another key order the same checksum, and different settings another', () => {
    const a = config({ t: { managed_settings: { a: 1, b: { c: 2, d: 3 } } } })
    const b = config({ t: { managed_settings: { b: { d: 3, c: 2 }, a: 1 } } })
    const c = config({ t: { managed_settings: { a: 1, b: { c: 2, d: 4 } } } })
    expect(managedSettingsFor(a, a.tiers.t!)!.checksum).toBe(managedSettingsFor(b, b.tiers.t!)!.checksum)
    expect(managedSettingsFor(a, a.tiers.t!)!.checksum).not.toBe(managedSettingsFor(c, c.tiers.t!)!.checksum)
  })

  it('answers 200 with the envelope and ETag, 304 to If-None-Match, and 404 for a tier without policy', async () => {
    const c = config({ free: { managed_settings: null }, pro: { managed_settings: { model: 'claude-3-haiku' } } })
    let identity: Identity = { user: 'u', tier: 'pro', source: 'gateway-session' }
    const app = managedSettingsRoutes({ config: c, authenticate: async () => identity })
    const get = (headers: Record<string, string> = {}) => app.handle(new Request('http://localhost/managed/settings', { headers }))
    const ok = await get()
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { uuid: string; checksum: string; settings: Record<string, unknown> }
    expect(Object.keys(body).sort()).toEqual(['checksum', 'settings', 'uuid'])
    expect(ok.headers.get('etag')).toBe(`"${body.checksum}"`)
    expect((await get({ 'if-none-match': `"${body.checksum}"` })).status).toBe(304)
    expect((await get({ 'if-none-match': `W/"${body.checksum}", "other"` })).status).toBe(304)
    expect((await get({ 'if-none-match': '"sha256:old"' })).status).toBe(200)
    // Claude Desktop's "are there settings?" question is answered as if it were not asked.
    expect((await get({ 'if-none-match': '*' })).status).toBe(200)
    identity = { ...identity, tier: 'free' }
    // Without the gateway's error plugin, the 404 surfaces as the thrown GatewayError's status.
    expect((await get()).status).toBe(404)
  })
})
