// Checks what kubeconform cannot, for scripts/check-chart.sh:
//  - ServiceMonitor objects, against prometheus-operator's own types (the npm package
//    @kubernetes-models/prometheus-operator; the offline Kubernetes schemas have no CRDs);
//  - the Grafana dashboards: valid JSON, every query parses as PromQL (@prometheus-io/lezer-promql),
//    and every metric of the gateway's contract has a panel.
// Both packages live in .cache/chart-tools (scripts/install-chart-tools.sh), not in the app's
// dependencies. Usage: bun scripts/validate-chart-extras.ts RENDERED.yaml... DASHBOARD.json...
// Prints one line per problem and exits 1 when there is any.

import { join, resolve } from 'node:path'

const root = resolve(import.meta.dir, '..')
const tools = join(root, '.cache/chart-tools/node_modules')

/** The metrics the dashboard must chart (the README's Operating it). */
export const DASHBOARD_METRICS = [
  'gateway_requests_total',
  'gateway_quota_used',
  'gateway_model_routes_total',
  'gateway_request_duration_seconds',
  'gateway_upstream_duration_seconds',
  'gateway_time_to_first_token_seconds',
  'gateway_tokens_total',
  'gateway_quota_rejections_total',
  'gateway_store_errors_total',
  'gateway_open_streams',
  'gateway_limit_rejections_total',
  'gateway_event_loop_lag_seconds',
] as const

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string } }

async function checkServiceMonitors(manifests: Manifest[], where: string): Promise<string[]> {
  const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor')
  if (monitors.length === 0) return []
  const { ServiceMonitor } = await import(
    join(tools, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.js')
  )
  const problems: string[] = []
  for (const m of monitors) {
    try {
      new ServiceMonitor(m).validate()
    } catch (e) {
      problems.push(`${where}: ServiceMonitor ${m.metadata?.name}: ${(e as Error).message}`)
    }
  }
  return problems
}

/** Grafana's range variables are not PromQL; give them a value before parsing. */
const grafanaToPromQL = (expr: string) =>
  expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h')

function queriesOf(panel: any): string[] {
  const own = (panel.targets ?? []).map((t: any) => t.expr).filter((e: unknown) => typeof e === 'string')
  return [...own, ...(panel.panels ?? []).flatMap(queriesOf)]
}

async function checkDashboard(path: string): Promise<string[]> {
  const { parser } = await import(join(tools, '@prometheus-io/lezer-promql/dist/index.es.js'))
  let dashboard: any
  try {
    dashboard = JSON.parse(await Bun.file(path).text())
  } catch (e) {
    return [`${path}: not valid JSON: ${(e as Error).message}`]
  }
  const problems: string[] = []
  const queries: string[] = (dashboard.panels ?? []).flatMap(queriesOf)
  if (queries.length === 0) problems.push(`${path}: no panel has a query`)
  for (const expr of queries) {
    const promql = grafanaToPromQL(expr)
    const tree = parser.parse(promql)
    let error: number | null = null
    tree.iterate({
      enter: (node: { type: { isError: boolean }; from: number }) => {
        if (node.type.isError && error === null) error = node.from
      },
    })
    if (error !== null) problems.push(`${path}: PromQL does not parse at offset ${error}: ${expr}`)
  }
  const text = queries.join('\n')
  for (const metric of DASHBOARD_METRICS) {
    if (!new RegExp(`\\b${metric}(_bucket|_sum|_count)?\\b`).test(text)) {
      problems.push(`${path}: no panel queries ${metric}`)
    }
  }
  return problems
}

if (import.meta.main) {
  const problems: string[] = []
  for (const path of Bun.argv.slice(2)) {
    if (path.endsWith('.json')) {
      problems.push(...(await checkDashboard(path)))
    } else {
      const docs = Bun.YAML.parse(await Bun.file(path).text())
      const manifests = (Array.isArray(docs) ? docs : [docs]).filter(Boolean) as Manifest[]
      problems.push(...(await checkServiceMonitors(manifests, path)))
    }
  }
  for (const p of problems) console.error(p)
  console.log(`validate-chart-extras: ${Bun.argv.length - 2} files, ${problems.length} problems`)
  process.exit(problems.length === 0 ? 0 : 1)
}
