// Starts a real Redis deployment managed by Sentinel on 127.0.0.1 for a test: one master, its
// replicas and three Sentinels (Debian's redis-server and redis-sentinel), with passwords on the
// data nodes and a different one on the Sentinels, as a Valkey/Redis chart deploys them. Tests kill
// the master, wait for the Sentinels to promote a replica, and bring the old master back (it
// rejoins as a replica). No persistence: a node restarted before the failover would come back
// empty and be synced from, which is why restartNode() is for a node that has been failed over.
// Every wait is bounded; stop() kills everything and removes the files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './free-port'
import { redisCli } from './redis-server'
import { waitOrThrow } from './wait-for'

export interface SentinelOptions {
  /** Replicas of the master (default 1). */
  replicas?: number
  masterName?: string
  /** Password of the data nodes (default `data-secret`); null: none. */
  dataPassword?: string | null
  /** Password of the Sentinels (default `sentinel-secret`); null: none. */
  sentinelPassword?: string | null
  /** How long a master must be silent before the Sentinels fail it over (default 1000 ms). */
  downAfterMs?: number
  /** TLS only, on every node and Sentinel, with a certificate for 127.0.0.1 from a CA made for the run. */
  tls?: boolean
}

export interface RunningSentinel {
  /** `redis+sentinel://...` (`rediss+sentinel://` with TLS) with both passwords, as QUOTA_REDIS_URL takes it. */
  url: string
  /** With TLS: the CA certificate a client must trust (e.g. through NODE_EXTRA_CA_CERTS). */
  caFile: string | null
  masterName: string
  dataPassword: string | null
  sentinelPorts: number[]
  /** Ports of every data node, the first master first. */
  nodePorts: number[]
  /** The port the Sentinels name as master now (asks them; the majority answer). */
  masterPort(): Promise<number>
  /** SIGKILLs the current master; returns its port. */
  killMaster(): Promise<number>
  /** SIGSTOPs / SIGCONTs a data node (a hung node: connections stay open, nothing answers). */
  freezeNode(port: number): void
  thawNode(port: number): void
  /** Starts a killed node again on its port; the Sentinels make it a replica of the current master. */
  restartNode(port: number): Promise<void>
  /** Waits until every Sentinel names a master other than `oldPort` and that node answers as master. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>
  /** Waits until the current master has `count` replicas online and acknowledging. */
  waitForReplicas(count: number, timeoutMs?: number): Promise<void>
  /** Runs redis-cli against a data node (authenticated) and returns its output. */
  cli(port: number, ...args: string[]): Promise<string>
  stop(): Promise<void>
}

const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitOrThrow(`redis sentinel: ${what}`, check, timeoutMs)

export async function startRedisSentinel(options: SentinelOptions = {}): Promise<RunningSentinel> {
  const replicas = options.replicas ?? 1
  const masterName = options.masterName ?? 'llmgw'
  const dataPassword = options.dataPassword === undefined ? 'data-secret' : options.dataPassword
  const sentinelPassword = options.sentinelPassword === undefined ? 'sentinel-secret' : options.sentinelPassword
  const downAfterMs = options.downAfterMs ?? 1000
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-sentinel-'))
  const ports = await freePorts(1 + replicas + 3)
  const nodePorts = ports.slice(0, 1 + replicas)
  const sentinelPorts = ports.slice(1 + replicas)
  const firstMaster = nodePorts[0]!

  const tls = options.tls === true ? await makeCertificates(dir) : null
  const auth = (password: string | null) => [...(password === null ? [] : ['-a', password, '--no-auth-warning']), ...(tls ? ['--tls', '--cacert', tls.ca] : [])]
  const cli = (port: number, ...args: string[]) => redisCli(['-p', String(port), ...auth(dataPassword), ...args])
  const sentinelCli = (port: number, ...args: string[]) => redisCli(['-p', String(port), ...auth(sentinelPassword), ...args])
  // The same files serve the nodes and the Sentinels; clients need no certificate of their own.
  const tlsSettings = tls ? [['tls-cert-file', tls.cert], ['tls-key-file', tls.key], ['tls-ca-cert-file', tls.ca], ['tls-auth-clients', 'no'], ['tls-replication', 'yes']] : []
  const listen = (port: number) => (tls ? [['port', '0'], ['tls-port', String(port)], ...tlsSettings] : [['port', String(port)]])

  const nodeArgs = (port: number, replicaOf: number | null) => [
    'redis-server',
    ...listen(port).flatMap(([name, value]) => [`--${name}`, value!]),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--dbfilename', `dump-${port}.rdb`,
    '--save', '',
    '--appendonly', 'no',
    ...(dataPassword === null ? [] : ['--requirepass', dataPassword, '--masterauth', dataPassword]),
    ...(replicaOf === null ? [] : ['--replicaof', '127.0.0.1', String(replicaOf)]),
  ]
  const nodes = new Map<number, ReturnType<typeof Bun.spawn>>()
  const sentinels: ReturnType<typeof Bun.spawn>[] = []
  const startNode = (port: number, replicaOf: number | null) => nodes.set(port, Bun.spawn(nodeArgs(port, replicaOf), { stdout: 'ignore', stderr: 'ignore' }))
  const pong = async (port: number) => (await cli(port, 'ping')).trim() === 'PONG'

  const stop = async () => {
    const all = [...nodes.values(), ...sentinels]
    for (const p of all) {
      p.kill('SIGCONT')
      p.kill('SIGKILL')
    }
    await Promise.all(all.map((p) => p.exited))
    rmSync(dir, { recursive: true, force: true })
  }

  const masterPort = async (): Promise<number> => {
    const answers = await Promise.all(sentinelPorts.map((p) => sentinelCli(p, 'sentinel', 'get-master-addr-by-name', masterName)))
    const counts = new Map<number, number>()
    for (const answer of answers) {
      const port = Number(answer.trim().split('\n')[1])
      if (Number.isInteger(port) && port > 0) counts.set(port, (counts.get(port) ?? 0) + 1)
    }
    const [best] = [...counts].sort((a, b) => b[1] - a[1])
    if (!best) throw new Error('redis sentinel: no Sentinel names a master')
    return best[0]
  }

  const replicasOnline = async (master: number): Promise<number> => {
    const info = await cli(master, 'info', 'replication')
    if (!info.includes('role:master')) return -1
    // Online and acknowledging (replicas acknowledge every second; under load their offset always trails).
    return [...info.matchAll(/^slave\d+:.*state=online,offset=\d+,lag=(\d+)/gm)].filter((m) => Number(m[1]) <= 1).length
  }

  try {
    startNode(firstMaster, null)
    await waitUntil(`PING on ${firstMaster}`, () => pong(firstMaster), 10_000)
    for (const port of nodePorts.slice(1)) startNode(port, firstMaster)
    await waitUntil(`${replicas} replicas online`, async () => (await replicasOnline(firstMaster)) >= replicas, 15_000)

    for (const port of sentinelPorts) {
      const conf = join(dir, `sentinel-${port}.conf`)
      writeFileSync(
        conf,
        [
          ...listen(port).map(([name, value]) => `${name} ${value}`),
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${firstMaster} 2`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} 4000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(dataPassword === null ? [] : [`sentinel auth-pass ${masterName} ${dataPassword}`]),
          // Sentinels authenticate to each other with their own requirepass.
          ...(sentinelPassword === null ? [] : [`requirepass ${sentinelPassword}`]),
          '',
        ].join('\n'),
      )
      sentinels.push(Bun.spawn(['redis-sentinel', conf], { stdout: 'ignore', stderr: 'ignore' }))
    }
    // A failover needs every Sentinel to know the replicas and the other Sentinels.
    for (const port of sentinelPorts) {
      await waitUntil(
        `Sentinel ${port} knowing the replicas and the other Sentinels`,
        async () => {
          const fields = (await sentinelCli(port, 'sentinel', 'master', masterName)).trim().split('\n')
          const field = (name: string) => Number(fields[fields.indexOf(name) + 1])
          return field('num-slaves') >= replicas && field('num-other-sentinels') >= sentinelPorts.length - 1
        },
        20_000,
      )
    }
  } catch (error) {
    await stop()
    throw error
  }

  const userinfo = dataPassword === null ? '' : `:${encodeURIComponent(dataPassword)}@`
  const scheme = tls ? 'rediss+sentinel' : 'redis+sentinel'
  const query = sentinelPassword === null ? '' : `?sentinel_password=${encodeURIComponent(sentinelPassword)}`
  return {
    caFile: tls?.ca ?? null,
    url: `${scheme}://${userinfo}${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${masterName}${query}`,
    masterName,
    dataPassword,
    sentinelPorts,
    nodePorts,
    masterPort,
    async killMaster() {
      const port = await masterPort()
      const proc = nodes.get(port)
      if (!proc) throw new Error(`redis sentinel: no process for master ${port}`)
      proc.kill('SIGKILL')
      await proc.exited
      return port
    },
    freezeNode(port) {
      nodes.get(port)?.kill('SIGSTOP')
    },
    thawNode(port) {
      nodes.get(port)?.kill('SIGCONT')
    },
    async restartNode(port) {
      const master = await masterPort()
      if (master === port) throw new Error(`redis sentinel: ${port} is still the master; restart it only after a failover`)
      startNode(port, master)
      await waitUntil(`PING on ${port}`, () => pong(port), 10_000)
    },
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      let next = 0
      await waitUntil(
        `a failover away from ${oldPort}`,
        async () => {
          const answers = await Promise.all(sentinelPorts.map((p) => sentinelCli(p, 'sentinel', 'get-master-addr-by-name', masterName)))
          const named = new Set(answers.map((a) => Number(a.trim().split('\n')[1])))
          if (named.size !== 1 || named.has(oldPort)) return false
          next = [...named][0]!
          return (await cli(next, 'role')).startsWith('master')
        },
        timeoutMs,
      )
      return next
    },
    async waitForReplicas(count, timeoutMs = 30_000) {
      await waitUntil(`${count} replicas online`, async () => (await replicasOnline(await masterPort())) >= count, timeoutMs)
    },
    cli,
    stop,
  }
}

/** A CA made for this run and a certificate for 127.0.0.1 it signed (openssl, EC keys: quick to make). */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const file = (name: string) => join(dir, name)
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const steps = [
    ['openssl', 'req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=llm-gateway test CA'],
    ['openssl', 'req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1'],
    ['openssl', 'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('san.ext')],
  ]
  for (const step of steps) {
    const run = Bun.spawnSync(step, { stdout: 'ignore', stderr: 'pipe' })
    if (run.exitCode !== 0) throw new Error(`redis sentinel: ${step.slice(0, 3).join(' ')} failed: ${run.stderr.toString().slice(0, 300)}`)
  }
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') }
}
