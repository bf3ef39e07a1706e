// How deep a parsed JSON body nests, checked before anything walks it recursively: parsing a body
// nested 100,000 deep is quick, but writing it again (JSON.stringify, on the way upstream) spends
// about 3 s of the only JavaScript thread before it overflows the stack. The walk is iterative and
// stops at the first value too deep; it visits objects and arrays only (~10-20 µs for a 50 KB
// Claude Code request).

/** Deeper than any real request (tool JSON schemas nest a few tens of levels). */
export const MAX_JSON_DEPTH = 256

export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const values: unknown[] = [value]
  const depths: number[] = [1]
  while (values.length > 0) {
    const v = values.pop()!
    const depth = depths.pop()!
    if (depth > max) return true
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item = v[i]
        if (item !== null && typeof item === 'object') {
          values.push(item)
          depths.push(depth + 1)
        }
      }
    } else {
      const record = v as Record<string, unknown>
      for (const key in record) {
        const item = record[key]
        if (item !== null && typeof item === 'object') {
          values.push(item)
          depths.push(depth + 1)
        }
      }
    }
  }
  return false
}
