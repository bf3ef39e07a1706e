// The Helm chart: scripts/check-chart.sh (helm lint, helm template, kubeconform, ServiceMonitor and
// dashboard checks) must pass, and the rendered manifests must say what operators rely on.
// Needs the tools from scripts/install-chart-tools.sh, which this file runs when they are missing.

import { describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DASHBOARD_METRICS } from '../scripts/validate-chart-extras'

const root = resolve(import.meta.dir, '..')
const cacheBin = join(root, '.cache/bin')

function findTool(name: string): string | null {
  for (const dir of [process.env.GOBIN, cacheBin]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return Bun.which(name)
}

// The tools are installed by scripts/install-chart-tools.sh (which .ci/run runs first); when they
// are missing the file installs them itself, and fails if that does not work: never a silent skip.
function missingTools(): string[] {
  return [
    findTool('helm') ? null : 'helm',
    findTool('kubeconform') ? null : 'kubeconform',
    existsSync(join(root, '.cache/k8s-schemas')) ? null : '.cache/k8s-schemas',
    existsSync(join(root, '.cache/chart-tools/node_modules')) ? null : '.cache/chart-tools',
  ].filter((m): m is string => m !== null)
}
// Bounded: the installer builds two Go tools and downloads schemas; a hung network must not hang the suite.
if (missingTools().length > 0) Bun.spawnSync(['bash', 'scripts/install-chart-tools.sh'], { cwd: root, stdout: 'inherit', stderr: 'inherit', timeout: 900_000 })
const missing = missingTools()
const helm = findTool('helm')

it('has the chart tools installed (scripts/install-chart-tools.sh)', () => {
  expect(missing).toEqual([])
})

type Obj = Record<string, any>

function run(cmd: string[]): { code: number; stdout: string; stderr: string } {
  const p = Bun.spawnSync(cmd, { cwd: root, stdout: 'pipe', stderr: 'pipe' })
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() }
}

/** helm template with the given values files and --set pairs; the parsed objects, or the error. */
function render(valuesFiles: string[] = [], sets: string[] = []) {
  // Without helm (its own test fails) render nothing rather than throw while collecting tests.
  if (!helm) return { code: -1, stdout: '', stderr: 'helm not installed', text: '', objects: [] as Obj[] }
  const args = [helm!, 'template', 'llm-gateway', 'chart', '--namespace', 'llm-gateway']
  for (const f of valuesFiles) args.push('-f', f)
  for (const s of sets) args.push('--set', s)
  const r = run(args)
  const docs = r.code === 0 ? (Bun.YAML.parse(r.stdout) as unknown) : []
  const objects = (Array.isArray(docs) ? docs : [docs]).filter(Boolean) as Obj[]
  return { ...r, text: r.stdout, objects }
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind)
/** The one object of a kind; throws when there is none. */
function one(objects: Obj[], kind: string): Obj {
  const found = byKind(objects, kind)[0]
  if (!found) throw new Error(`no ${kind} rendered`)
  return found
}
const gatewayContainer = (objects: Obj[]): Obj => one(objects, 'Deployment').spec.template.spec.containers[0]
const envOf = (container: Obj) => new Map<string, Obj>(container.env.map((e: Obj) => [e.name, e]))

const SECRET_VARS = ['CLAUDE_API_KEY', 'OPENAI_API_KEY', 'INTERNAL_LLM_API_KEY', 'GATEWAY_ADMIN_KEY', 'KEYCLOAK_CLIENT_SECRET', 'GATEWAY_SESSION_KEY']
const REDIS_KEYCLOAK = 'chart/ci/redis-keycloak-values.yaml'
const TLS_SIGN_IN = 'chart/ci/tls-sign-in-values.yaml'

describe('helm chart', () => {
  it('passes scripts/check-chart.sh (lint, render, kubeconform, ServiceMonitor, dashboard)', () => {
    const r = run(['bash', 'scripts/check-chart.sh'])
    if (r.code !== 0) console.error(r.stdout + r.stderr)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('check-chart: OK')
    expect(r.stdout).not.toMatch(/Invalid: [1-9]|Errors: [1-9]/)
  }, 120_000)

  describe('with the default values', () => {
    const { objects, code, stderr } = render()
    const container = code === 0 ? gatewayContainer(objects) : ({} as Obj)
    const pod = code === 0 ? one(objects, 'Deployment').spec.template.spec : ({} as Obj)

    it('renders', () => {
      expect(stderr).toBe('')
      expect(code).toBe(0)
    })

    it('runs 1 replica (the embedded store is per pod) serving port 8000 named http, and /metrics on its own port, behind a Service', () => {
      expect(one(objects, 'Deployment').spec.replicas).toBe(1)
      expect(container.ports).toEqual([
        { name: 'http', containerPort: 8000, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      ])
      expect(envOf(container).get('METRICS_PORT')?.value).toBe('9464')
      const service = one(objects, 'Service')
      expect(service.spec.ports[0]).toMatchObject({ name: 'http', port: 8000, targetPort: 'http' })
      expect(service.spec.ports[1]).toMatchObject({ name: 'metrics', port: 9464, targetPort: 'metrics' })
    })

    it('has a NetworkPolicy letting anyone reach the API port and only in-cluster pods the metrics port', () => {
      const policy = one(objects, 'NetworkPolicy')
      expect(policy.spec.policyTypes).toEqual(['Ingress'])
      expect(policy.spec.ingress).toEqual([
        { ports: [{ port: 'http', protocol: 'TCP' }] },
        { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: {} }] },
      ])
      expect(policy.spec.podSelector.matchLabels).toEqual(one(objects, 'Deployment').spec.selector.matchLabels)
    })

    it('probes liveness on /health and readiness on /ready', () => {
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' })
      expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' })
      expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' })
    })

    it('drains with a preStop sleep inside a longer termination grace period', () => {
      const sleep = container.lifecycle.preStop.sleep.seconds
      expect(sleep).toBeGreaterThan(0)
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + 30)
    })

    it('runs as uid 65532, non-root, read-only, without capabilities, under RuntimeDefault seccomp', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } })
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      })
      expect(pod.automountServiceAccountToken).toBe(false)
    })

    it('mounts the config file, an emptyDir for the embedded store and one for /tmp', () => {
      const env = envOf(container)
      expect(env.get('PORT')?.value).toBe('8000')
      expect(env.get('GATEWAY_CONFIG')?.value).toBe('/etc/llm-gateway/config.yaml')
      expect(env.get('GATEWAY_DATA_DIR')?.value).toBe('/data')
      const mounts = Object.fromEntries(container.volumeMounts.map((m: Obj) => [m.mountPath, m.name]))
      expect(mounts).toEqual({ '/etc/llm-gateway': 'config', '/data': 'data', '/tmp': 'tmp' })
      const volumes = Object.fromEntries(pod.volumes.map((v: Obj) => [v.name, v]))
      expect(volumes.data.emptyDir).toBeDefined()
      expect(volumes.tmp.emptyDir).toBeDefined()
      const configMap = byKind(objects, 'ConfigMap').find((c) => c.metadata.name === volumes.config.configMap.name)
      expect(Bun.YAML.parse(configMap!.data['config.yaml'])).toMatchObject({ server: { drain_timeout_s: 30 } })
    })

    it('has a PodDisruptionBudget and no HPA, ServiceMonitor or Secret', () => {
      expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(1)
      for (const kind of ['HorizontalPodAutoscaler', 'ServiceMonitor', 'Secret']) expect(byKind(objects, kind)).toHaveLength(0)
    })

    it('sets no credential variable when no Secret is named', () => {
      const env = envOf(container)
      for (const name of [...SECRET_VARS, 'QUOTA_REDIS_URL']) expect(env.has(name)).toBe(false)
    })
  })

  describe('with Redis and Keycloak', () => {
    const { objects, code, text } = render([REDIS_KEYCLOAK])
    const container = code === 0 ? gatewayContainer(objects) : ({} as Obj)
    const env = code === 0 ? envOf(container) : new Map<string, Obj>()

    it('takes every credential and the Redis URL from the Secret, by reference', () => {
      expect(code).toBe(0)
      for (const name of [...SECRET_VARS, 'QUOTA_REDIS_URL']) {
        const entry = env.get(name)
        expect(entry?.value).toBeUndefined()
        expect(entry?.valueFrom?.secretKeyRef?.name).toBe('llm-gateway-credentials')
      }
      expect(env.get('QUOTA_REDIS_URL')!.valueFrom.secretKeyRef).toMatchObject({ key: 'QUOTA_REDIS_URL', optional: false })
      expect(byKind(objects, 'Secret')).toHaveLength(0)
      expect(text).not.toMatch(/redis:\/\/[^\s"]*:[^\s"]*@/)
    })

    it('sets KEYCLOAK_URL and AUTH_PROVIDER', () => {
      expect(env.get('KEYCLOAK_URL')?.value).toBe('https://keycloak.example.com/realms/acme')
      expect(env.get('AUTH_PROVIDER')?.value).toBe('keys,keycloak')
    })

    it('turns sign-in on: the client id and public URL as values, the client secret and session key from the Secret', () => {
      expect(env.get('KEYCLOAK_CLIENT_ID')?.value).toBe('llm-gateway-sign-in')
      expect(env.get('GATEWAY_PUBLIC_URL')?.value).toBe('https://llm-gateway.example.com')
      expect(env.get('KEYCLOAK_CLIENT_SECRET')?.valueFrom?.secretKeyRef).toMatchObject({ name: 'llm-gateway-credentials', key: 'KEYCLOAK_CLIENT_SECRET' })
      expect(env.get('GATEWAY_SESSION_KEY')?.valueFrom?.secretKeyRef).toMatchObject({ name: 'llm-gateway-credentials', key: 'GATEWAY_SESSION_KEY' })
    })

    it('lets the HPA own the replica count and scrapes /metrics on the metrics port with a ServiceMonitor', () => {
      expect(one(objects, 'Deployment').spec.replicas).toBeUndefined()
      expect(one(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 8 })
      expect(one(objects, 'ServiceMonitor').spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' })
    })

    it('ships the Grafana dashboard as a labelled ConfigMap', () => {
      const dashboards = byKind(objects, 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1')
      expect(dashboards).toBeDefined()
      expect(JSON.parse(dashboards!.data['llm-gateway.json']).uid).toBe('llm-gateway')
    })

    it('keeps the grace period above the longer drain timeout', () => {
      const pod = one(objects, 'Deployment').spec.template.spec
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(60 + container.lifecycle.preStop.sleep.seconds)
    })
  })

  describe('serving TLS itself, with sign-in', () => {
    const { objects, code, stderr } = render([TLS_SIGN_IN])
    const container = code === 0 ? gatewayContainer(objects) : ({} as Obj)

    it('mounts the TLS Secret, points server.tls at it and probes over HTTPS', () => {
      expect(stderr).toBe('')
      const pod = one(objects, 'Deployment').spec.template.spec
      expect(pod.volumes.find((v: Obj) => v.name === 'tls')).toEqual({ name: 'tls', secret: { secretName: 'llm-gateway-tls' } })
      expect(container.volumeMounts.find((m: Obj) => m.name === 'tls')).toEqual({ name: 'tls', mountPath: '/etc/llm-gateway-tls', readOnly: true })
      const config = Bun.YAML.parse(byKind(objects, 'ConfigMap')[0]!.data['config.yaml']) as Obj
      expect(config.server.tls).toEqual({ cert_file: '/etc/llm-gateway-tls/tls.crt', key_file: '/etc/llm-gateway-tls/tls.key' })
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(container[probe].httpGet.scheme).toBe('HTTPS')
    })
  })
  it('takes a Redis URL without a password in any form the gateway reads, Sentinel and Valkey included', () => {
    for (const url of ['redis+sentinel://valkey-headless:26379/mymaster?db=1', 'valkey://valkey.cache.svc:6379/0', 'rediss+cluster://redis-cluster.cache.svc:6379']) {
      const r = render([], [`gateway.quotaRedisUrl=${url}`])
      expect({ url, stderr: r.stderr, code: r.code }).toEqual({ url, stderr: '', code: 0 })
      expect(envOf(gatewayContainer(r.objects)).get('QUOTA_REDIS_URL')).toMatchObject({ value: url })
    }
  }, 30_000)

  it('rolls the pods when the config changes', () => {
    const checksum = (o: Obj[]) => one(o, 'Deployment').spec.template.metadata.annotations['checksum/config']
    const a = render().objects
    const b = render([], ['config.quota.timezone=Europe/Paris']).objects
    expect(checksum(a)).toMatch(/^[0-9a-f]{64}$/)
    expect(checksum(b)).not.toBe(checksum(a))
  }, 30_000)

  it('is described by blueprint.yaml: every variable the chart sets, the chart version, the metrics', async () => {
    const blueprint = Bun.YAML.parse(await Bun.file(join(root, 'blueprint.yaml')).text()) as Obj
    const chart = Bun.YAML.parse(await Bun.file(join(root, 'chart/Chart.yaml')).text()) as Obj
    const described = new Set<string>(
      [...blueprint.configuration.environment, ...blueprint.configuration.secrets].map((e: Obj) => e.name),
    )
    const { objects } = render([REDIS_KEYCLOAK], ['gateway.claudeApiUrl=https://a.example', 'gateway.openaiApiUrl=https://o.example'])
    for (const name of envOf(gatewayContainer(objects)).keys()) expect(described).toContain(name)
    expect(blueprint.artefacts.chart.version).toBe(chart.version)
    expect(blueprint.metadata.version).toBe(chart.appVersion)
    expect(blueprint.interfaces.metrics.series.map((m: Obj) => m.name).sort()).toEqual([...DASHBOARD_METRICS].sort())
  }, 30_000)

  it('renders more than one replica once a Redis URL is set, however it is given', () => {
    for (const sets of [['replicaCount=3', 'gateway.quotaRedisUrl=redis://valkey:6379'], ['replicaCount=3', 'config.store.redis_url=redis://valkey:6379'], ['replicaCount=3', 'extraEnv[0].name=QUOTA_REDIS_URL', 'extraEnv[0].value=redis://valkey:6379']]) {
      const r = render([], sets)
      expect(r.stderr).toBe('')
      expect(one(r.objects, 'Deployment').spec.replicas).toBe(3)
    }
  }, 30_000)

  describe('refuses values that would deploy something broken or leak a secret', () => {
    const refusals: [string, string[], RegExp][] = [
      ['a Redis password inlined in gateway.quotaRedisUrl', ['gateway.quotaRedisUrl=redis://:hunter2@valkey:6379'], /quotaRedisUrl/],
      ['a Sentinel URL with a password inlined in gateway.quotaRedisUrl', ['gateway.quotaRedisUrl=redis+sentinel://:hunter2@valkey:26379/mymaster'], /quotaRedisUrl/],
      ['a Sentinel password inlined in gateway.quotaRedisUrl', ['gateway.quotaRedisUrl=redis+sentinel://valkey:26379/mymaster?sentinel_password=hunter2'], /quotaRedisUrl/],
      ['a grace period not longer than preStop + drain', ['terminationGracePeriodSeconds=35'], /terminationGracePeriodSeconds/],
      ['an unknown log level', ['gateway.logLevel=loud'], /logLevel/],
      ['an unknown top-level value', ['replicas=3'], /replicas/],
      ['a Redis URL key with no Secret named', ['secrets.quotaRedisUrl.key=url'], /no Secret is named/],
      ['the Redis URL both inline and from a Secret', ['secrets.existingSecret=s', 'secrets.quotaRedisUrl.key=url', 'gateway.quotaRedisUrl=redis://valkey:6379'], /not both/],
      ['two replicas on the per-pod embedded store (each would count its own quota)', ['replicaCount=2'], /needs a Redis\/Valkey URL/],
      ['the HPA on the per-pod embedded store', ['autoscaling.enabled=true'], /needs a Redis\/Valkey URL/],
      ['Keycloak with neither an audience nor clients', ['gateway.keycloakUrl=https://kc.example/realms/a'], /keycloakAudience or gateway.keycloakClients/],
      ['an http Keycloak URL', ['gateway.keycloakUrl=http://kc.example/realms/a', 'gateway.keycloakAudience=gw'], /keycloakUrl/],
      ['sign-in without a public URL', ['gateway.keycloakClientId=llm-gateway-sign-in'], /needs gateway.publicUrl/],
      ['a plain http public URL beyond loopback', ['gateway.publicUrl=http://gateway.example.com'], /publicUrl/],
    ]
    for (const [what, sets, message] of refusals) {
      it(`refuses ${what}`, () => {
        const r = render([], sets)
        expect(r.code).not.toBe(0)
        expect(r.stderr).toMatch(message)
        expect(r.stderr).not.toContain('hunter2')
      }, 30_000)
    }
  })
})
