// A translation warning as the log may carry it. The names a warning quotes (fields, block and
// tool types, tool ids and names) are the client's to choose, so any quoted part that is not a
// plain identifier is blanked, and the whole is cut at 80 characters: a prompt cannot ride along
// in a field name, a type or an id. The converters quote every client-chosen value they name.
export function loggableWarning(warning: string): string {
  return warning.replace(/`[^`]*`|"(?:[^"\\]|\\.)*"|\{.*\}/g, (m) => (/^[`"][\w.:/-]{0,40}[`"]$/.test(m) ? m : '"…"')).slice(0, 80)
}
