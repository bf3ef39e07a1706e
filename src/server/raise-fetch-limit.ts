// Bun's fetch() runs at most BUN_CONFIG_MAX_HTTP_REQUESTS (256 by default) requests at once and
// queues the rest; a gateway relaying long LLM streams needs thousands. The variable is only read
// when the process starts, so when it is unset the server re-executes itself (same pid, via
// execve) with it set. An operator's own value is kept.

export const FETCH_LIMIT_VARIABLE = 'BUN_CONFIG_MAX_HTTP_REQUESTS'
const GATEWAY_FETCH_LIMIT = '65535'

export function raiseFetchLimit(): void {
  if (process.env[FETCH_LIMIT_VARIABLE]) return
  const execve = (process as { execve?: (file: string, args: string[], env: Record<string, string | undefined>) => never }).execve
  if (typeof execve !== 'function') return
  // A compiled binary sees its own virtual path as argv[1] and applies its embedded runtime flags
  // itself; run from source, argv[1] is the script and the runtime flags (execArgv) must be passed on.
  const compiled = (process.argv[1] ?? '').startsWith('/$bunfs/')
  const args = compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, ...process.execArgv, ...process.argv.slice(1)]
  execve(process.execPath, args, { ...process.env, [FETCH_LIMIT_VARIABLE]: GATEWAY_FETCH_LIMIT })
}
