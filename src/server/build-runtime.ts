// Builds the stateful parts of the gateway from its configuration: the stores (opened once and kept
// across config reloads), the quota and limit services, the usage ledger, the console sessions,
// the sign-in through the gateway and the authenticator. The server and end-to-end tests use it;
// unit tests build the app with their own parts instead.
import { type ConsoleSessions, createConsoleSessions } from '../auth/console-sessions'
import { type Authenticate, createAuthenticator } from '../auth/create-authenticator'
import { createFailedLoginLimiter, type FailedLoginLimiter } from '../auth/failed-login-limiter'
import type { KeyStore } from '../auth/key-store'
import type { SignIn } from '../auth/sessions/create-sign-in'
import type { GatewayConfig } from '../config/config-types'
import type { Logger } from '../logging/logger'
import type { GatewayMetrics } from '../metrics/gateway-metrics'
import { createLimitService, type LimitService } from '../limits/limit-service'
import { createQuotaService, type QuotaService } from '../quota/quota-service'
import { createTelemetryForwarder, type TelemetryForwarder } from '../telemetry/telemetry-forwarder'
import { quotaWindow } from '../quota/quota-window'
import { type StoreParts, openStores } from '../stores/open-stores'
import { createUsageLedger, type UsageLedger } from '../usage/usage-ledger'

export interface Runtime {
  stores: StoreParts
  keyStore: KeyStore
  quota: QuotaService
  limits: LimitService
  /** Null when `usage.enabled` is false. */
  ledger: UsageLedger | null
  /** The console's sign-in sessions (cookies). */
  sessions: ConsoleSessions
  authenticate: Authenticate
  /** Failed authentications per client address, shared by the authenticator and the console's sign-in. */
  failedLogins: FailedLoginLimiter
  /** Sign-in through the gateway, when `auth.keycloak.client_id` is set. */
  signIn: SignIn | null
  /** Relays clients' OTLP to `telemetry.forward_to` (a no-op without collectors). */
  telemetry: TelemetryForwarder
  /** Today's quota day, `YYYY-MM-DD` in `quota.timezone`. */
  today(): string
  /** Stops this runtime's services but keeps the stores open (a config reload reuses them). */
  retire(): void
  close(): Promise<void>
}

export function buildRuntime(config: GatewayConfig, log: Logger, metrics: GatewayMetrics, now?: () => Date, stores: StoreParts = openStores(config, log, metrics)): Runtime {
  const clock = now ?? (() => new Date())
  const quota = createQuotaService({
    store: stores.quotaStore,
    timeZone: config.quota.timezone,
    onStoreError: config.quota.on_store_error,
    reached: stores.reached,
    ...(now ? { now } : {}),
    log: (level, msg, fields) => {
      if (level === 'warn' || level === 'error') metrics.storeErrors.inc({ store: config.store.redis_url ? 'redis' : 'sqlite' })
      log[level](msg, fields)
    },
  })
  const limits = createLimitService({
    store: stores.limitStore,
    onStoreError: config.quota.on_store_error,
    log: (level, msg, fields) => {
      metrics.storeErrors.inc({ store: config.store.redis_url ? 'redis' : 'memory' })
      log[level](msg, fields)
    },
  })
  // The ledger asks for the day of every request: the day last found is kept with the instants it
  // covers, so that the calendar work (and its Date objects) happens about once a day.
  let known = { day: '', from: Number.POSITIVE_INFINITY, until: Number.NEGATIVE_INFINITY }
  const dayOf = (ms: number) => {
    if (ms >= known.from && ms < known.until) return known.day
    const window = quotaWindow(new Date(ms), config.quota.timezone)
    // Local days only move forward: every instant from this one to the reset is on this day.
    known = { day: window.day, from: ms, until: window.resetsAt.getTime() }
    return window.day
  }
  const ledger = config.usage.enabled
    ? createUsageLedger({
        store: stores.usageStore,
        dayOf,
        retentionDays: config.usage.retention_days,
        now: () => clock().getTime(),
        onError: (msg, fields) => {
          metrics.storeErrors.inc({ store: config.store.redis_url ? 'redis' : 'sqlite' })
          log.warn(msg, fields)
        },
      })
    : null
  const kc = config.auth.keycloak
  const tierSelection = kc ? { tierMap: kc.tier_map, defaultTier: kc.default_tier, tierOrder: Object.keys(config.tiers) } : null
  const signIn =
    kc?.client_id && tierSelection && config.server.public_url
      ? // Loaded only when sign-in is on: like the Keycloak verifier, it brings the JWT library.
        (require('../auth/sessions/create-sign-in') as typeof import('../auth/sessions/create-sign-in')).createSignIn({
          publicUrl: config.server.public_url,
          keycloak: { issuer: kc.issuer, clientId: kc.client_id, clientSecret: kc.client_secret, tierClaim: kc.tier_claim, tierSelection },
          store: stores.signInStore,
          signingKey: config.auth.sessions.signing_key,
          accessTtlS: config.auth.sessions.access_ttl_s,
          refreshTtlS: config.auth.sessions.refresh_ttl_s,
          ...(now ? { now: () => now().getTime() } : {}),
        })
      : null
  const failedLogins = createFailedLoginLimiter()
  const authenticator = createAuthenticator({
    providers: config.auth.providers,
    failedLogins,
    staticKeys: config.auth.keys,
    keyStore: stores.keyStore,
    ...(kc && config.auth.providers.includes('keycloak')
      ? {
          keycloak: {
            issuer: kc.issuer,
            ...(kc.audience ? { audience: kc.audience } : {}),
            clients: kc.clients,
            tierClaim: kc.tier_claim,
            tierMap: kc.tier_map,
            defaultTier: kc.default_tier,
            tierOrder: Object.keys(config.tiers),
          },
        }
      : {}),
    ...(signIn ? { sessionTokens: signIn.tokens } : {}),
  })
  const telemetry = createTelemetryForwarder({
    targets: config.telemetry.forward_to,
    onDrop: (reason) => metrics.telemetryDropped.inc({ reason }),
    onForwarded: () => metrics.telemetryForwarded.inc(),
  })
  const sessions = createConsoleSessions({
    store: stores.sessionStore,
    identityOfKeyHash: (hash) => authenticator.authenticateKeyHash(hash),
    adminKey: config.auth.admin_key,
    keycloak: signIn ? { renew: signIn.renewGrant, recheckMs: config.auth.sessions.console_recheck_s * 1000 } : null,
    now: () => clock().getTime(),
  })
  return {
    stores,
    keyStore: stores.keyStore,
    quota,
    limits,
    ledger,
    sessions,
    authenticate: (headers, address) => authenticator.authenticate(headers, address),
    failedLogins,
    signIn,
    telemetry,
    today: () => dayOf(clock().getTime()),
    retire: () => {
      void quota.flush().finally(() => quota.close())
      void telemetry.close()
      // Not closed: streams still open on the old configuration count into it when they end, and
      // are written at once; it is dropped with the last of them.
      void ledger?.retire()
    },
    async close() {
      await telemetry.close(2_000)
      await quota.flush()
      quota.close()
      await ledger?.close()
      await stores.close()
    },
  }
}
