// The composition root of one configuration: from the config and the runtime built from it, the
// model resolver, the endpoint pools, the proxy pipeline and the HTTP app with its route groups.
// A config reload composes a new one; requests in flight finish on the one they started on.
import { keycloakAdminCheck } from '../auth/admin-check'
import type { GatewayConfig } from '../config/config-types'
import { type GatewayApp, createHttpApp } from '../http/create-http-app'
import { createPrincipalResolver } from '../http/middleware/principal'
import { adminGatewayRoutes } from '../http/routes/admin-gateway-routes'
import { adminKeysRoutes } from '../http/routes/admin-keys-routes'
import { adminUsersRoutes } from '../http/routes/admin-users-routes'
import { consoleRoutes } from '../http/routes/console-routes'
import { docsRoutes } from '../http/routes/docs-routes'
import { managedSettingsRoutes } from '../http/routes/managed-settings-routes'
import { telemetryRoutes } from '../http/routes/telemetry-routes'
import { selfKeysRoutes } from '../http/routes/self-keys-routes'
import { usageRoutes } from '../http/routes/usage-routes'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createProxy } from '../proxy/create-proxy'
import type { StreamTracker } from '../proxy/proxy-request'
import { createModelResolver, findModelEntry } from '../routing/resolve-model'
import { createEndpointPools } from '../upstream/create-endpoint-pools'
import type { PriceOf } from '../usage/usage-report'
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

/** The price of a routed model from the models table, or null when no price is configured anywhere. */
function pricesOf(config: GatewayConfig): PriceOf | null {
  if (!config.models.some((m) => m.price)) return null
  const memo = new Map<string, ReturnType<PriceOf>>()
  return (model) => {
    if (!memo.has(model)) memo.set(model, memo.size < 10_000 ? (findModelEntry(config.models, model)?.price ?? null) : null)
    return memo.get(model) ?? null
  }
}

export function composeApp(config: GatewayConfig, runtime: Runtime, parts: LongLivedParts): GatewayApp {
  const { metrics, log } = parts
  const quota = config.quota.enabled ? runtime.quota : null
  const resolveModel = createModelResolver(config)
  const pools = createEndpointPools(config)
  const proxy = createProxy({
    resolveModel,
    pools,
    tiers: config.tiers,
    quota,
    limits: runtime.limits,
    metrics,
    log,
    streams: parts.streams,
    countTextTokens: processTokenCounter(),
    ledger: runtime.ledger,
  })
  const isAdmin = keycloakAdminCheck(config.auth.keycloak?.admin_role ?? null)
  const principalOf = createPrincipalResolver({ authenticate: runtime.authenticate, sessions: runtime.sessions, adminKey: config.auth.admin_key, isAdmin })
  const { usageStore, auditLog } = runtime.stores
  return createHttpApp({
    config,
    authenticate: runtime.authenticate,
    principalOf,
    proxy,
    quota,
    metrics,
    log,
    ...(parts.isDraining ? { isDraining: parts.isDraining } : {}),
    routes: [
      // Loaded only when sign-in is on (it brings the JWT library).
      ...(runtime.signIn
        ? (require('../http/routes/sign-in/sign-in-routes') as typeof import('../http/routes/sign-in/sign-in-routes')).signInRoutes({ signIn: runtime.signIn, log, console: { sessions: runtime.sessions, isAdmin } })
        : []),
      managedSettingsRoutes({ config, authenticate: runtime.authenticate }),
      telemetryRoutes({ authenticate: runtime.authenticate, forwarder: runtime.telemetry }),
      adminKeysRoutes({ keyStore: runtime.keyStore, isAdmin, authenticate: runtime.authenticate, tiers: Object.keys(config.tiers), auditLog, principalOf }),
      usageRoutes({ usageStore, principalOf, priceOf: pricesOf(config), retentionDays: config.usage.retention_days, today: runtime.today }),
      adminUsersRoutes({ principalOf, tiers: config.tiers, quota, usageStore, keyStore: runtime.keyStore, auditLog, today: runtime.today }),
      adminGatewayRoutes({ principalOf, config, pools, resolveModel }),
      selfKeysRoutes({ config, principalOf, keyStore: runtime.keyStore, auditLog }),
      consoleRoutes({ sessions: runtime.sessions, isAdmin, keycloakSignIn: runtime.signIn !== null, today: runtime.today, timeZone: config.quota.timezone, failedLogins: runtime.failedLogins }),
      docsRoutes(VERSION),
    ],
  })
}
