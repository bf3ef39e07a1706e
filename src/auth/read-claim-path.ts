// Reads the string values at a dotted claim path: `realm_access.roles`, `groups`,
// `resource_access.llm-gateway.roles`, `tier`. A segment may itself contain dots (client ids like
// `my.app`): at each level the longest key that matches wins. A string gives one value, a list
// gives its strings; anything else gives none.

export function readClaimPath(claims: unknown, path: string): string[] {
  const value = walk(claims, path.split('.').filter((s) => s.length > 0))
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return []
}

function walk(node: unknown, segments: string[]): unknown {
  if (segments.length === 0) return node
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined
  const record = node as Record<string, unknown>
  for (let take = segments.length; take >= 1; take--) {
    const key = segments.slice(0, take).join('.')
    if (Object.hasOwn(record, key)) {
      const found = walk(record[key], segments.slice(take))
      if (found !== undefined) return found
    }
  }
  return undefined
}
