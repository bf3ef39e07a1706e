// Replaces `${VAR}` and `${VAR:-fallback}` in every string of a parsed config document.
// An unset variable becomes the empty string (or the fallback), so that optional secrets such as
// `api_key: "${CLAUDE_API_KEY}"` simply vanish when the variable is not set.

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export function substituteEnv(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(PATTERN, (_m, name: string, fallback: string | undefined) => {
      const v = env[name]
      return v !== undefined && v !== '' ? v : (fallback ?? '')
    })
  }
  if (Array.isArray(value)) return value.map((v) => substituteEnv(v, env))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env)
    return out
  }
  return value
}
