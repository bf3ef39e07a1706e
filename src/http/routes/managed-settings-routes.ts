// GET /managed/settings: the managed settings Claude Code applies for a signed-in developer, per
// tier (`tiers.<tier>.managed_settings`), with the env entries the gateway protocol needs added:
// model discovery, so that the model picker lists what the tier may use, and, when the gateway
// forwards telemetry, the OpenTelemetry switches. The envelope and caching follow Claude Code's
// own gateway: {uuid, checksum, settings}, the quoted checksum as ETag, If-None-Match -> 304.
// 404 means no policy for the tier (`managed_settings: null`); `{}` an empty one.
import { createHash } from 'node:crypto'
import { Elysia } from 'elysia'
import type { Authenticate } from '../../auth/create-authenticator'
import type { GatewayConfig, TierConfig } from '../../config/config-types'
import { GatewayError } from '../../errors/gateway-error'
import { configuredTier } from '../../routing/resolve-model'
import { addressOf } from '../middleware/client-address'

export interface ManagedSettingsEnvelope {
  uuid: string
  checksum: string
  settings: Record<string, unknown>
}

/** JSON with object keys sorted at every level: equal settings give equal checksums. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** What Claude Code computes over the settings it holds and sends back in If-None-Match. */
export function settingsChecksum(settings: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(settings)).digest('hex')}`
}

/**
 * The env entries the gateway protocol needs; the operator's own `env` entries win. With
 * collectors configured, metrics are turned on (as Claude Code's own gateway does); logs and
 * traces, which carry more about what developers do, only when the operator's env says so.
 */
export function protocolEnv(config: GatewayConfig): Record<string, string> {
  const env: Record<string, string> = { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1' }
  if (config.telemetry.forward_to.length > 0 && config.server.public_url) {
    Object.assign(env, {
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: config.server.public_url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    })
  }
  return env
}

/** The envelope for a tier, or null when the tier has no policy. */
export function managedSettingsFor(config: GatewayConfig, tier: TierConfig): ManagedSettingsEnvelope | null {
  if (tier.managed_settings === null) return null
  const own = tier.managed_settings
  const ownEnv = own.env !== null && typeof own.env === 'object' && !Array.isArray(own.env) ? (own.env as Record<string, unknown>) : {}
  const settings = { ...own, env: { ...protocolEnv(config), ...ownEnv } }
  // The uuid names this version of the policy, as the reference's does.
  const checksum = settingsChecksum(settings)
  return { uuid: checksum, checksum, settings }
}

/**
 * If-None-Match as a list of entity tags, weak ones included (RFC 9110 13.1.2). `*` is answered as
 * if absent: Claude Desktop sends it only to ask whether there are settings, and reads a 304 as
 * "settings that must not be missing".
 */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

export function managedSettingsRoutes(deps: { config: GatewayConfig; authenticate: Authenticate }) {
  const { config, authenticate } = deps
  // Computed once per configuration: a reload composes new routes.
  const envelopes = new Map<string, { body: string; etag: string } | null>()
  for (const tier of Object.values(config.tiers)) {
    const envelope = managedSettingsFor(config, tier)
    envelopes.set(tier.name, envelope === null ? null : { body: JSON.stringify(envelope), etag: `"${envelope.checksum}"` })
  }
  return new Elysia({ name: 'managed-settings' })
    // On the context, so that the access log names the caller. Failures count against the
    // caller's own address (the failed-login limit), never one shared by all.
    .derive(async ({ request }) => ({ identity: await authenticate(request.headers, addressOf(request)) }))
    .get(
      '/managed/settings',
      ({ request, identity }) => {
        const envelope = envelopes.get(configuredTier(config, identity.tier).name)
        if (!envelope) throw new GatewayError(404, 'not_found_error', `No managed settings for tier "${identity.tier}".`)
        const headers = { etag: envelope.etag, 'cache-control': 'private, no-cache', vary: 'authorization, x-api-key' }
        if (matches(request.headers.get('if-none-match'), envelope.etag)) return new Response(null, { status: 304, headers })
        return new Response(envelope.body, { headers: { ...headers, 'content-type': 'application/json' } })
      },
      { detail: { summary: "Claude Code managed settings for the caller's tier", tags: ['Sign-in'] } },
    )
}
