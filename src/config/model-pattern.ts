// Glob patterns for model names: `*` matches any run of characters, `?` one character; everything
// else is literal. Compiled patterns are cached, since the same few patterns run on every request.

const cache = new Map<string, RegExp>()

export function compileGlob(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
    re = new RegExp(`^${body}$`)
    cache.set(pattern, re)
  }
  return re
}

export function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name
  return compileGlob(pattern).test(name)
}
