// Usage reports over HTTP: GET /usage for the caller's own rows (grouped by day and model by
// default), and GET /admin/usage for everyone's, grouped as asked, as JSON or CSV. Both read the
// pre-aggregated ledger (usage/), through the same report function as `llm-gateway usage`.
import { Elysia, t } from 'elysia'
import { usageSubject } from '../../auth/identity'
import type { UsageStore } from '../../usage/usage-store'
import { type GroupKey, type PriceOf, parseGroupBy, parseRange, readUsageReport, toCsv } from '../../usage/usage-report'
import { type PrincipalOf, requireAdmin, userOf } from '../middleware/principal'

export interface UsageRouteDeps {
  usageStore: Pick<UsageStore, 'read'>
  principalOf: PrincipalOf
  priceOf: PriceOf | null
  retentionDays: number
  /** Today's quota day. */
  today: () => string
}

const OWN_GROUPS: GroupKey[] = ['day', 'model', 'requested_model', 'backend', 'tier']
const range = t.Object({
  from: t.Optional(t.String({ maxLength: 10 })),
  to: t.Optional(t.String({ maxLength: 10 })),
  group_by: t.Optional(t.String({ maxLength: 200 })),
})

export function usageRoutes(deps: UsageRouteDeps) {
  return new Elysia({ name: 'usage-routes' })
    .get(
      '/usage',
      async ({ request, query }) => {
        // In the ledger's terms: a Keycloak user's id in their namespace, as quota counts it.
        const user = usageSubject(userOf(await deps.principalOf(request)))
        const { from, to } = parseRange(query.from, query.to, deps.today(), deps.retentionDays)
        const groupBy = parseGroupBy(query.group_by, ['day', 'model'], OWN_GROUPS)
        return readUsageReport(deps.usageStore, { from, to, groupBy, user }, deps.priceOf)
      },
      { query: range, detail: { summary: "The caller's own usage, per day and model", tags: ['Account'] } },
    )
    .get(
      '/admin/usage',
      async ({ request, query, set }) => {
        requireAdmin(await deps.principalOf(request))
        const { from, to } = parseRange(query.from, query.to, deps.today(), deps.retentionDays)
        const groupBy = parseGroupBy(query.group_by, ['day'])
        const report = await readUsageReport(deps.usageStore, { from, to, groupBy, ...(query.user ? { user: query.user } : {}) }, deps.priceOf)
        if (query.format !== 'csv') return report
        set.headers['content-type'] = 'text/csv; charset=utf-8'
        set.headers['content-disposition'] = `attachment; filename="usage-${from}-${to}.csv"`
        return toCsv(report)
      },
      {
        query: t.Object({ ...range.properties, format: t.Optional(t.Union([t.Literal('json'), t.Literal('csv')])), user: t.Optional(t.String({ minLength: 1, maxLength: 256 })) }),
        detail: { summary: 'Usage of every user, grouped by day, user, model, tier or backend (JSON or CSV)', tags: ['Admin'] },
      },
    )
}
