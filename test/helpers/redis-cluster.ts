// Starts a local three-master Redis Cluster on 127.0.0.1 (no replicas, no persistence) for a
// test file, and stops it. Each node gets a free client port and a free cluster-bus port
// (`--cluster-port`, so the bus never lands on port + 10000 above 65535). Waits are bounded.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePorts } from './free-port'
import { redisCli } from './redis-server'
import { waitOrThrow } from './wait-for'

export interface RunningRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`, as connectRedis() reads it. */
  url: string
  /** `127.0.0.1:port` of each master. */
  nodes: string[]
  stop(): Promise<void>
  /** Kill one master (by index in `nodes`), keeping its port and cluster state, to simulate its outage. */
  pauseNode(index: number): Promise<void>
  /** Restart a paused master; it rejoins with the same id and slots. Waits for cluster_state:ok. */
  resumeNode(index: number): Promise<void>
}

const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitOrThrow(`redis cluster: ${what}`, check, timeoutMs)

export async function startRedisCluster(): Promise<RunningRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-redis-cluster-'))
  const ports = await freePorts(6)
  const clientPorts = ports.slice(0, 3)
  const busPorts = ports.slice(3)
  const argsFor = (i: number) => {
    const port = clientPorts[i]!
    return [
      'redis-server',
      '--port', String(port),
      '--cluster-port', String(busPorts[i]),
      '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout', '2000',
      '--dir', dir,
      '--save', '',
      '--appendonly', 'no',
    ]
  }
  const procs = clientPorts.map((_, i) => Bun.spawn(argsFor(i), { stdout: 'ignore', stderr: 'ignore' }))
  const clusterOk = async (port: number) =>
    waitUntil(
      `cluster_state:ok on ${port}`,
      async () => (await redisCli(['-p', String(port), 'cluster', 'info'])).includes('cluster_state:ok'),
      15_000,
    )
  const stop = async () => {
    for (const p of procs) p.kill('SIGKILL')
    await Promise.all(procs.map((p) => p.exited))
    rmSync(dir, { recursive: true, force: true })
  }
  const nodes = clientPorts.map((port) => `127.0.0.1:${port}`)
  try {
    for (const port of clientPorts) {
      await waitUntil(`PING on ${port}`, async () => (await redisCli(['-p', String(port), 'ping'])).trim() === 'PONG', 10_000)
    }
    const created = await redisCli(['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'])
    if (!created.includes('[OK] All 16384 slots covered')) throw new Error(`redis cluster: create failed: ${created.slice(-500)}`)
    for (const port of clientPorts) await clusterOk(port)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url: `redis+cluster://${nodes.join(',')}`,
    nodes,
    stop,
    async pauseNode(index) {
      const proc = procs[index]
      if (!proc) throw new Error(`redis cluster: no node ${index}`)
      proc.kill('SIGKILL')
      await proc.exited
    },
    async resumeNode(index) {
      const port = clientPorts[index]
      if (port === undefined) throw new Error(`redis cluster: no node ${index}`)
      procs[index] = Bun.spawn(argsFor(index), { stdout: 'ignore', stderr: 'ignore' })
      await waitUntil(`PING on ${port}`, async () => (await redisCli(['-p', String(port), 'ping'])).trim() === 'PONG', 10_000)
      for (const p of clientPorts) await clusterOk(p)
    },
  }
}
