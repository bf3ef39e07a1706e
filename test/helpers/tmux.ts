// Runs an interactive terminal program (Claude Code's own screens) in a detached tmux pane on a
// private tmux server, so that a test can read the screen and type keys as a person would. Every
// wait is bounded; kill() ends the pane and the server.

export interface TmuxPane {
  /** The visible screen, as text. */
  screen(): Promise<string>
  /** tmux key names or literal text (`send(['/login', 'Enter'])`). */
  send(keys: string[]): Promise<void>
  /** Waits until the screen matches; throws with the last screen when the time is up. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  kill(): Promise<void>
}

const KEY_NAMES = new Set(['Enter', 'Up', 'Down', 'Left', 'Right', 'Escape', 'Tab', 'BSpace', 'Space', 'C-c', 'C-d'])

async function tmux(socket: string, args: string[]): Promise<string> {
  const proc = Bun.spawn(['tmux', '-L', socket, ...args], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`tmux ${args[0]} failed (${code}): ${err}`)
  return out
}

/** Starts `command` (run by /bin/sh, with exactly `env`) in a new pane of `width` x `height`. */
export async function startTmuxPane(options: { command: string; env: Record<string, string>; cwd: string; width?: number; height?: number }): Promise<TmuxPane> {
  const socket = `llmgw-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  // env -i: the pane sees the test's environment only, not the tmux server's or the caller's.
  const envArgs = Object.entries(options.env).map(([k, v]) => `${k}=${shellQuote(v)}`)
  const command = `cd ${shellQuote(options.cwd)} && exec env -i ${envArgs.join(' ')} ${options.command}`
  await tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(options.width ?? 160), '-y', String(options.height ?? 50), command])
  await tmux(socket, ['set-option', '-t', 'main', 'remain-on-exit', 'on'])

  const pane: TmuxPane = {
    screen: () => tmux(socket, ['capture-pane', '-p', '-t', 'main']),
    async send(keys) {
      for (const key of keys) {
        await tmux(socket, ['send-keys', '-t', 'main', ...(KEY_NAMES.has(key) ? [key] : ['-l', key])])
        await Bun.sleep(150)
      }
    },
    async waitFor(pattern, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < until) {
        last = await pane.screen().catch(() => last)
        if (pattern.test(last)) return last
        await Bun.sleep(250)
      }
      throw new Error(`the screen never showed ${pattern} within ${timeoutMs} ms; last screen:\n${last}`)
    },
    async kill() {
      await tmux(socket, ['kill-server']).catch(() => {})
    },
  }
  return pane
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}
