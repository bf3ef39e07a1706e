// Usage reports from ledger rows, the same for GET /admin/usage, GET /usage and `llm-gateway
// usage`: the day range and the grouping asked for (checked, 400 otherwise), the smallest stored
// view that answers it, rows summed per group with a cost when prices are configured, and CSV.
import { GatewayError } from '../errors/gateway-error'
import { LEDGER_COUNTS, type LedgerRow, addCounts, emptyCounts, type LedgerCounts } from './ledger-row'
import type { LedgerView } from './usage-store'

export const GROUP_KEYS = ['day', 'user', 'tier', 'model', 'requested_model', 'backend'] as const
export type GroupKey = (typeof GROUP_KEYS)[number]

/** Prices per million tokens of a routed model; null when it has none. */
export type PriceOf = (model: string) => { input: number; output: number } | null

export type ReportRow = Partial<Record<GroupKey, string>> & LedgerCounts & { cost?: number }

export interface UsageReport {
  from: string
  to: string
  group_by: GroupKey[]
  rows: ReportRow[]
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const badRequest = (message: string, param: string) => new GatewayError(400, 'invalid_request_error', message, { param })

function checkDay(value: string, param: string): string {
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw badRequest(`${param} must be a date YYYY-MM-DD`, param)
  }
  return value
}

/** The day `days` after `day` (negative: before), on the calendar. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/**
 * The range asked for: `from` and `to` default to `today`; a range longer than the retention, or
 * ending before it starts, is refused, so that no query walks more days than are kept.
 */
export function parseRange(from: string | undefined, to: string | undefined, today: string, retentionDays: number): { from: string; to: string } {
  const f = from ? checkDay(from, 'from') : to ? checkDay(to, 'to') : today
  const t = to ? checkDay(to, 'to') : from ? (f > today ? f : today) : today
  if (f > t) throw badRequest('from must not be after to', 'from')
  if (Date.parse(`${t}T00:00:00Z`) - Date.parse(`${f}T00:00:00Z`) >= retentionDays * 86_400_000) {
    throw badRequest(`the range may span at most ${retentionDays} days (usage.retention_days)`, 'from')
  }
  return { from: f, to: t }
}

/** `day,user,model`: known names, each once; `allowed` narrows them (GET /usage). */
export function parseGroupBy(text: string | undefined, fallback: GroupKey[], allowed: readonly GroupKey[] = GROUP_KEYS): GroupKey[] {
  if (text === undefined || text.trim() === '') return fallback
  if (text.length > 200) throw badRequest('group_by is too long', 'group_by')
  const keys: GroupKey[] = []
  for (const raw of text.split(',')) {
    const key = raw.trim() as GroupKey
    if (!allowed.includes(key)) throw badRequest(`group_by: unknown key ${JSON.stringify(raw.trim().slice(0, 40))} (known: ${allowed.join(', ')})`, 'group_by')
    if (!keys.includes(key)) keys.push(key)
  }
  return keys
}

/** The smallest stored view holding every column of the grouping. */
export function viewFor(groupBy: GroupKey[], forOneUser: boolean): LedgerView {
  if (forOneUser) return 'full'
  const byUser = groupBy.includes('user')
  const byModel = groupBy.includes('model') || groupBy.includes('requested_model') || groupBy.includes('backend')
  if (byUser && byModel) return 'full'
  return byUser ? 'users' : 'models'
}

/**
 * Sums rows per group, ordered by the group keys. A row's cost is priced from its own routed
 * model before rows are summed, so a group spanning models costs what each of them did.
 */
export function summarize(rows: LedgerRow[], groupBy: GroupKey[], priceOf: PriceOf | null): ReportRow[] {
  const groups = new Map<string, ReportRow>()
  for (const row of rows) {
    const id = groupBy.map((k) => row[k]).join('\u001f')
    let group = groups.get(id)
    if (!group) {
      group = { ...emptyCounts() }
      for (const k of groupBy) group[k] = row[k]
      if (priceOf) group.cost = 0
      groups.set(id, group)
    }
    addCounts(group, row)
    const price = priceOf ? priceOf(row.model) : null
    if (price && group.cost !== undefined) group.cost += (row.input_tokens * price.input + row.output_tokens * price.output) / 1_000_000
  }
  const out = [...groups.values()]
  for (const g of out) if (g.cost !== undefined) g.cost = Math.round(g.cost * 1e6) / 1e6
  out.sort((a, b) => {
    for (const k of groupBy) {
      const x = a[k] ?? ''
      const y = b[k] ?? ''
      if (x !== y) return x < y ? -1 : 1
    }
    return 0
  })
  return out
}

/** One CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
function cell(value: string | number | undefined): string {
  if (value === undefined) return ''
  if (typeof value === 'number') return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/** The header line names the same fields as the JSON rows. */
export function toCsv(report: UsageReport): string {
  const hasCost = report.rows.some((r) => r.cost !== undefined)
  const columns: string[] = [...report.group_by, ...LEDGER_COUNTS, ...(hasCost ? ['cost'] : [])]
  const lines = [columns.join(',')]
  for (const row of report.rows) lines.push(columns.map((c) => cell((row as Record<string, string | number | undefined>)[c])).join(','))
  return `${lines.join('\n')}\n`
}

/** A report read from the store: the smallest view that answers it, summed per group. */
export async function readUsageReport(
  store: { read(view: LedgerView, query: { from: string; to: string; user?: string }): Promise<LedgerRow[]> },
  query: { from: string; to: string; groupBy: GroupKey[]; user?: string },
  priceOf: PriceOf | null,
): Promise<UsageReport> {
  const view = viewFor(query.groupBy, query.user !== undefined)
  let rows: LedgerRow[]
  try {
    rows = await store.read(view, query.user === undefined ? { from: query.from, to: query.to } : { from: query.from, to: query.to, user: query.user })
  } catch {
    throw new GatewayError(503, 'api_error', 'usage store unavailable; try again shortly')
  }
  return { from: query.from, to: query.to, group_by: query.groupBy, rows: summarize(rows, query.groupBy, priceOf) }
}
