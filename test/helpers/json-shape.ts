// The shape of a JSON value, to compare answers with the fixtures captured from Claude Code's
// reference gateway without comparing values that differ by nature (tokens, codes, timestamps):
// objects by their keys and the shapes under them, arrays by the shapes of their items, and
// everything else by its JSON type.

export type Shape = string | Shape[] | { [key: string]: Shape }

export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null'
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shapeOf(v))))].sort().map((s) => JSON.parse(s) as Shape)
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, shapeOf(record[k])]))
  }
  return typeof value
}
