// The typed readers every section normaliser uses to take one field out of a raw config mapping.
// A wrong value never stops the load: the reader records one problem, naming the key path, in
// `Problems` and answers the fallback, so that `check-config` can list every mistake at once.

/** A mapping as parsed from YAML or JSON, before any checking. */
export type Raw = Record<string, unknown>

/** Collects the problems of one load, each as `source: key.path: message`. */
export class Problems {
  readonly list: string[] = []
  constructor(private readonly source: string) {}
  add(path: string, message: string) {
    this.list.push(`${this.source}: ${path}: ${message}`)
  }
}

export const isObject = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v)

/** A nested mapping; absent or null is an empty one. */
export function section(raw: Raw, key: string, p: Problems, path = key): Raw {
  const v = raw[key]
  if (v === undefined || v === null) return {}
  if (!isObject(v)) {
    p.add(path, 'must be a mapping')
    return {}
  }
  return v
}

/** A string; absent, null or empty is the fallback, and a number or boolean is taken as its text. */
export function str(raw: Raw, key: string, path: string, p: Problems, fallback: string): string
export function str(raw: Raw, key: string, path: string, p: Problems, fallback: null): string | null
export function str(raw: Raw, key: string, path: string, p: Problems, fallback: string | null): string | null {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return fallback
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v !== 'string') {
    p.add(path, 'must be a string')
    return fallback
  }
  return v
}

/** An integer >= min; a string of digits (as `${VAR}` substitution leaves it) counts as one. */
export function int(raw: Raw, key: string, path: string, p: Problems, fallback: number, min = 0): number {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return fallback
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    p.add(path, `must be an integer >= ${min}, got ${JSON.stringify(v)}`)
    return fallback
  }
  return n
}

/** A boolean; absent or null is the fallback, and the strings `true`/`false` (from `${VAR}`) count. */
export function bool(raw: Raw, key: string, path: string, p: Problems, fallback: boolean): boolean {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return fallback
  if (v === true || v === 'true') return true
  if (v === false || v === 'false') return false
  p.add(path, `must be true or false, got ${JSON.stringify(v)}`)
  return fallback
}

/** A number >= 0 (decimals allowed); a numeric string counts as one. */
export function nonNegative(raw: Raw, key: string, path: string, p: Problems): number | null {
  const v = raw[key]
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    p.add(path, `must be a number >= 0, got ${JSON.stringify(v)}`)
    return null
  }
  return n
}

/** An integer limit where null (or absence) means unlimited. */
export function limit(raw: Raw, key: string, path: string, p: Problems, fallback: number | null): number | null {
  if (!(key in raw)) return fallback
  if (raw[key] === null) return null
  return int(raw, key, path, p, 0)
}

/** A list of strings, or one comma-separated string (as an environment variable gives it). */
export function stringList(v: unknown, path: string, p: Problems): string[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean)
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    p.add(path, 'must be a list of strings')
    return []
  }
  return v as string[]
}

/** True for an http(s) URL; otherwise records a problem that never shows a password the URL holds. */
export function validUrl(url: string, path: string, p: Problems): boolean {
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
    return true
  } catch {
    // Never the password of a URL with credentials in it: everything up to its last "@" is hidden
    // (a password may hold a "/", and a URL without "//" may still carry one).
    p.add(path, `must be an http(s) URL, got ${JSON.stringify(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1…@'))}`)
    return false
  }
}
