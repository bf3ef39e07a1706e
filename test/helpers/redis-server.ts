// Starts a real redis-server on 127.0.0.1 for a test file, with no persistence, and stops it.
// Waits a bounded time for it to answer PING.
import { freePort } from './free-port'

export interface RunningRedis {
  url: string
  port: number
  stop(): Promise<void>
  /** Stop the process but keep the port, to simulate an outage; `start()` brings it back. */
  pause(): Promise<void>
  resume(): Promise<void>
  /** SIGSTOP the process: connections stay open but nothing answers (a hung server or a partition). */
  freeze(): void
  /** SIGCONT after freeze(). */
  thaw(): void
}

/** Runs redis-cli (killed after 10 s) and returns what it printed, errors included. */
export async function redisCli(args: string[]): Promise<string> {
  const p = Bun.spawn(['redis-cli', ...args], { stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000)
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()])
  await p.exited
  clearTimeout(timer)
  return out + err
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if ((await redisCli(['-p', String(port), 'ping'])).trim() === 'PONG') return
    await Bun.sleep(50)
  }
  throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`)
}

export async function startRedis(extraArgs: string[] = []): Promise<RunningRedis> {
  const port = await freePort()
  const args = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs]
  let proc = Bun.spawn(args, { stdout: 'ignore', stderr: 'ignore' })
  await waitForPing(port)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      proc.kill('SIGCONT')
      proc.kill('SIGKILL')
      await proc.exited
    },
    async pause() {
      proc.kill('SIGKILL')
      await proc.exited
    },
    async resume() {
      proc = Bun.spawn(args, { stdout: 'ignore', stderr: 'ignore' })
      await waitForPing(port)
    },
    freeze() {
      proc.kill('SIGSTOP')
    },
    thaw() {
      proc.kill('SIGCONT')
    },
  }
}
