// Runs a real client (the gateway binary, Claude Code, a Python SDK script) to completion, killed
// after a bound, with its output collected.
export interface BoundedRun {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

export async function runBounded(cmd: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<BoundedRun> {
  const started = performance.now()
  const proc = Bun.spawn(cmd, { cwd: options.cwd, env: options.env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs)
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
    return { code: await proc.exited, stdout, stderr, ms: performance.now() - started }
  } finally {
    clearTimeout(timer)
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}
