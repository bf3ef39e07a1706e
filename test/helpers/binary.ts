// Builds the single executable once per test run (bun build --compile) and runs it from an empty
// directory with no node_modules, as on an air-gapped host.
import { copyFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { freePort } from './free-port'
import { runBounded } from './run-bounded'
import { runTempDir } from './run-temp-dirs'

const ROOT = resolve(import.meta.dir, '../..')
let built: string | null = null

export async function buildBinary(): Promise<string> {
  if (built && existsSync(built)) return built
  const out = join(runTempDir('llmgw-build-'), 'llm-gateway')
  const proc = Bun.spawn(['bun', 'run', 'build', '--outfile', out], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  if ((await proc.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(proc.stderr).text()}`)
  built = out
  return out
}

/** A fresh empty directory holding only a copy of the binary. */
export async function emptyDirWithBinary(): Promise<{ dir: string; bin: string }> {
  const dir = runTempDir('llmgw-airgap-')
  const bin = join(dir, 'llm-gateway')
  copyFileSync(await buildBinary(), bin)
  return { dir, bin }
}

export interface RunningBinary {
  url: string
  proc: ReturnType<typeof Bun.spawn>
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number>
}

/** Starts the binary and waits (bounded) until /ready answers 200. `port`: listen there (a restart on the same address, or a config that names the gateway's own URL). */
export async function runBinary(bin: string, args: string[], env: Record<string, string>, cwd: string, options: { port?: number } = {}): Promise<RunningBinary> {
  const port = options.port ?? (await freePort())
  let output = ''
  const proc = Bun.spawn([bin, ...args], {
    cwd,
    // Suites run side by side on one machine: never the default metrics port.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(await freePort()), ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk)
  }
  void collect(proc.stdout as ReadableStream<Uint8Array>)
  void collect(proc.stderr as ReadableStream<Uint8Array>)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`binary exited early (${proc.exitCode}):\n${output}`)
    // Ready, not only alive: a gateway on Redis answers 503 until it has reached the store.
    const ok = await fetch(`${url}/ready`).then((r) => r.ok).catch(() => false)
    if (ok) break
    if (Date.now() > deadline) {
      proc.kill()
      throw new Error(`binary did not become ready:\n${output}`)
    }
    await Bun.sleep(50)
  }
  return {
    url,
    proc,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      proc.kill(signal)
      return await proc.exited
    },
  }
}

export async function runOnce(bin: string, args: string[], env: Record<string, string>, cwd: string) {
  const run = await runBounded([bin, ...args], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeoutMs: 30_000 })
  return { stdout: run.stdout, stderr: run.stderr, code: run.code }
}
