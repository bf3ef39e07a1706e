// The composition root of one configuration: from the config and the runtime built from it, the
// model resolver, the endpoint pools, the proxy pipeline and the HTTP app with its route groups.
// A config reload composes a new one; requests in flight finish on the one they started on.
import { keycloakAdminCheck } from '../auth/admin-check'
import type { GatewayConfig } from '../config/config-types'
import { type GatewayApp, createHttpApp } from '../http/create-http-app'
import { adminKeysRoutes } from '../http/routes/admin-keys-routes'
import { docsRoutes } from '../http/routes/docs-routes'
import { managedSettingsRoutes } from '../http/routes/managed-settings-routes'
import { telemetryRoutes } from '../http/routes/telemetry-routes'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createProxy } from '../proxy/create-proxy'
import type { StreamTracker } from '../proxy/proxy-request'
import { createModelResolver } from '../routing/resolve-model'
import { createEndpointPools } from '../upstream/create-endpoint-pools'
import type { Runtime } from './build-runtime'
import { processTokenCounter } from './token-counter'
import { VERSION } from './version'

/** What outlives a config reload: metrics, the log, the count of open streams, the drain state. */
export interface LongLivedParts {
  metrics: GatewayMetrics
  log: Logger
  streams: StreamTracker
  isDraining?: () => boolean
}

export function composeApp(config: GatewayConfig, runtime: Runtime, parts: LongLivedParts): GatewayApp {
  const { metrics, log } = parts
  const quota = config.quota.enabled ? runtime.quota : null
  const proxy = createProxy({
    resolveModel: createModelResolver(config),
    pools: createEndpointPools(config),
    tiers: config.tiers,
    quota,
    limits: runtime.limits,
    metrics,
    log,
    streams: parts.streams,
    countTextTokens: processTokenCounter(),
  })
  return createHttpApp({
    config,
    authenticate: runtime.authenticate,
    proxy,
    quota,
    metrics,
    log,
    ...(parts.isDraining ? { isDraining: parts.isDraining } : {}),
    routes: [
      // Loaded only when sign-in is on (it brings the JWT library).
      ...(runtime.signIn ? (require('../http/routes/sign-in/sign-in-routes') as typeof import('../http/routes/sign-in/sign-in-routes')).signInRoutes({ signIn: runtime.signIn, log }) : []),
      managedSettingsRoutes({ config, authenticate: runtime.authenticate }),
      telemetryRoutes({ authenticate: runtime.authenticate, forwarder: runtime.telemetry }),
      adminKeysRoutes({
        keyStore: runtime.keyStore,
        ...(config.auth.admin_key ? { adminKey: config.auth.admin_key } : {}),
        isAdmin: keycloakAdminCheck(config.auth.keycloak?.admin_role ?? null),
        authenticate: runtime.authenticate,
        tiers: Object.keys(config.tiers),
      }),
      docsRoutes(VERSION),
    ],
  })
}
