// The operator's view of users: today by tier and the top users with their share of quota
// (GET /admin/overview), one user's tier and quota (GET /admin/users/:user), raising or resetting
// a user's quota for today (POST /admin/users/:user/grants, /reset), and the audit log of such
// actions (GET /admin/audit). Everything reads pre-aggregated ledger rows or the quota counters.
import { Elysia, t } from 'elysia'
import type { KeyStore } from '../../auth/key-store'
import type { TierConfig } from '../../config/config-types'
import { GatewayError } from '../../errors/gateway-error'
import type { QuotaService } from '../../quota/quota-service'
import type { AuditLog } from '../../usage/audit-log'
import { addDays, summarize } from '../../usage/usage-report'
import type { UsageStore } from '../../usage/usage-store'
import { type PrincipalOf, requireAdmin } from '../middleware/principal'
import { audit, fromStore } from './store-calls'

export interface AdminUsersDeps {
  principalOf: PrincipalOf
  tiers: Record<string, TierConfig>
  /** Null when counting is off. */
  quota: Pick<QuotaService, 'status' | 'grant' | 'reset'> | null
  usageStore: Pick<UsageStore, 'read' | 'topUsers'>
  keyStore: Pick<KeyStore, 'page'>
  auditLog: AuditLog
  today: () => string
}

const TOP_USERS = 20
const user = t.Object({ user: t.String({ minLength: 1, maxLength: 256 }) })

export function adminUsersRoutes(deps: AdminUsersDeps) {
  function needQuota(): Pick<QuotaService, 'status' | 'grant' | 'reset'> {
    if (!deps.quota) throw new GatewayError(409, 'invalid_request_error', 'quota counting is off on this gateway (quota.enabled: false)')
    return deps.quota
  }

  /** The user's tier: the one of their latest ledger row in the last 30 days, else of their first key. */
  async function tierOf(name: string): Promise<string | null> {
    const today = deps.today()
    const rows = await fromStore('usage', () => deps.usageStore.read('full', { from: addDays(today, -29), to: today, user: name }))
    const latest = rows.reduce<(typeof rows)[number] | null>((a, r) => (a === null || r.day > a.day ? r : a), null)
    if (latest) return latest.tier
    const keys = await fromStore('key', () => deps.keyStore.page({ user: name, limit: 1 }))
    return keys.data[0]?.tier ?? null
  }

  async function quotaOf(name: string, tierName: string | null) {
    const tier = tierName ? deps.tiers[tierName] : undefined
    if (!deps.quota || !tier) return null
    return deps.quota.status(name, { dailyRequests: tier.daily_requests, dailyTokens: tier.daily_tokens })
  }

  return new Elysia({ name: 'admin-users' })
    .derive({ as: 'local' }, async ({ request }) => {
      const principal = await deps.principalOf(request)
      requireAdmin(principal)
      return { principal }
    })
    .get('/admin/overview', async () => {
      const today = deps.today()
      const [byTier, users] = await Promise.all([
        fromStore('usage', () => deps.usageStore.read('models', { from: today, to: today })),
        fromStore('usage', () => deps.usageStore.topUsers(today, TOP_USERS)),
      ])
      const rows = summarize(users.rows, ['user', 'tier'], null).sort((a, b) => b.requests - a.requests)
      // The share is the quota's own count against today's limit (grants included): the ledger's
      // `requests` also holds the refusals and failures the quota never counted or gave back.
      const top = await Promise.all(
        rows.map(async (row) => {
          const status = row.user ? await quotaOf(row.user, row.tier ?? null).catch(() => null) : null
          const limit = status ? status.limit : (deps.tiers[row.tier ?? '']?.daily_requests ?? null)
          const used = status ? status.used : row.requests - row.errors
          return { ...row, daily_requests: limit, quota_used: used, share_of_quota: limit ? Math.round((used / limit) * 1000) / 1000 : null }
        }),
      )
      return { day: today, tiers: summarize(byTier, ['tier'], null), users: users.count, top_users: top }
    })
    .get(
      '/admin/users/:user',
      async ({ params }) => {
        const tier = await tierOf(params.user)
        return { user: params.user, tier, quota: await quotaOf(params.user, tier) }
      },
      { params: user },
    )
    .post(
      '/admin/users/:user/grants',
      async ({ params, body, principal }) => {
        const quota = needQuota()
        await quota.grant(params.user, body.requests)
        await audit(deps.auditLog, { actor: principal.actor, action: 'quota.grant', target: params.user, detail: { requests: body.requests } })
        return { user: params.user, granted: body.requests, quota: await quotaOf(params.user, await tierOf(params.user)) }
      },
      { params: user, body: t.Object({ requests: t.Integer({ minimum: 1, maximum: 1_000_000 }) }) },
    )
    .post(
      '/admin/users/:user/reset',
      async ({ params, principal }) => {
        await needQuota().reset(params.user)
        await audit(deps.auditLog, { actor: principal.actor, action: 'quota.reset', target: params.user })
        return { user: params.user, reset: true, quota: await quotaOf(params.user, await tierOf(params.user)) }
      },
      { params: user },
    )
    .get(
      '/admin/audit',
      async ({ query }) => ({ object: 'list', data: await fromStore('usage', () => deps.auditLog.list({ limit: query.limit ?? 100 })) }),
      { query: t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })) }) },
    )
}
