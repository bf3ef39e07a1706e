// Runs a real client (the gateway binary, Claude Code, a Python SDK script) to completion, killed
// after a bound, with its output collected.
export interface BoundedRun {
  code: number | null
  stdout: string
  stderr: string
  ms: number
  /** True when the bound ran out and the process was killed. */
  killed: boolean
}

export async function runBounded(cmd: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<BoundedRun> {
  const started = performance.now()
  const proc = Bun.spawn(cmd, { cwd: options.cwd, env: options.env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    proc.kill('SIGKILL')
  }, options.timeoutMs)
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
    const code = await proc.exited
    return { code, stdout, stderr, ms: performance.now() - started, killed }
  } finally {
    clearTimeout(timer)
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}
