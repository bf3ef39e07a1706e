// A value the client sent, as an error message may quote it: a string cut to 64 characters, else
// only its kind, so that a 400 never echoes megabytes of a hostile body back.
export function quoted(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : typeof value
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)
}
