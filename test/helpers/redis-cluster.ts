// Starts a local three-master Redis Cluster on 127.0.0.1 (no replicas, no persistence) for a
// test file, and stops it. Each node gets a free client port and a free cluster-bus port
// (`--cluster-port`, so the bus never lands on port + 10000 above 65535). Waits are bounded.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port'
import { waitFor } from './wait-for'

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

async function redisCli(args: string[]): Promise<string> {
  const p = Bun.spawn(['redis-cli', ...args], { stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000)
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  clearTimeout(timer)
  return out + err
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  if (!(await waitFor(check, timeoutMs, 100))) throw new Error(`redis cluster: ${what} did not happen within ${timeoutMs} ms`)
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  for (let attempt = 0; ports.size < count && attempt < count * 10; attempt++) ports.add(await freePort())
  if (ports.size < count) throw new Error('redis cluster: could not find free ports')
  return [...ports]
}

export async function startRedisCluster(): Promise<RunningRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-redis-cluster-'))
  const ports = await distinctFreePorts(6)
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
