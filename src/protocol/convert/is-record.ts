// Narrowing for untrusted JSON: converters read client and upstream bodies that were never validated.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `type` of an untrusted block or tool, as a warning names it: a string, or null when it is none. */
export function typeName(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}
