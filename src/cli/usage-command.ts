// `llm-gateway usage --from --to --group-by user,model [--format table|csv|json]`: the usage
// ledger of the configured store, summed as asked, through the same report as GET /admin/usage.
import { GatewayError } from '../errors/gateway-error'
import { LEDGER_COUNTS } from '../usage/ledger-row'
import { type PriceOf, type UsageReport, parseGroupBy, parseRange, readUsageReport, toCsv } from '../usage/usage-report'
import type { UsageStore } from '../usage/usage-store'

export interface UsageCommandDeps {
  usageStore: Pick<UsageStore, 'read'>
  priceOf: PriceOf | null
  today: string
  retentionDays: number
  stdout: (s: string) => void
  stderr: (s: string) => void
}

export const USAGE_HELP = `usage:
  llm-gateway usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--group-by day,user,model,requested_model,tier,backend] [--user ID] [--format table|csv|json]
`

const VALUED = new Set(['from', 'to', 'group-by', 'format', 'user'])

function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (!VALUED.has(name)) throw new Error(`unknown option --${name}`)
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1)
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`)
    flags.set(name, value)
  }
  return flags
}

/** Columns padded to their widest cell. */
export function toTable(report: UsageReport): string {
  const hasCost = report.rows.some((r) => r.cost !== undefined)
  const columns: string[] = [...report.group_by, ...LEDGER_COUNTS, ...(hasCost ? ['cost'] : [])]
  const cells = [columns, ...report.rows.map((r) => columns.map((c) => String((r as Record<string, unknown>)[c] ?? '') || '-'))]
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)))
  return `${cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`
}

export async function runUsageCommand(argv: string[], deps: UsageCommandDeps): Promise<number> {
  const args = argv[0] === 'usage' ? argv.slice(1) : argv
  let flags: Map<string, string>
  try {
    flags = parseFlags(args)
  } catch (error) {
    deps.stderr(`error: ${(error as Error).message}\n${USAGE_HELP}`)
    return 2
  }
  const format = flags.get('format') ?? 'table'
  if (format !== 'table' && format !== 'csv' && format !== 'json') {
    deps.stderr(`error: --format must be table, csv or json\n${USAGE_HELP}`)
    return 2
  }
  let report: UsageReport
  try {
    const { from, to } = parseRange(flags.get('from'), flags.get('to'), deps.today, deps.retentionDays)
    const groupBy = parseGroupBy(flags.get('group-by'), ['day'])
    const user = flags.get('user')
    report = await readUsageReport(deps.usageStore, { from, to, groupBy, ...(user ? { user } : {}) }, deps.priceOf)
  } catch (error) {
    deps.stderr(`error: ${error instanceof GatewayError || error instanceof Error ? error.message : String(error)}\n`)
    return error instanceof GatewayError && error.status === 400 ? 2 : 1
  }
  if (format === 'json') deps.stdout(`${JSON.stringify(report)}\n`)
  else if (format === 'csv') deps.stdout(toCsv(report))
  else deps.stdout(toTable(report))
  return 0
}
