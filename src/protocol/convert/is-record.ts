// Narrowing for untrusted JSON: converters read client and upstream bodies that were never validated.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
