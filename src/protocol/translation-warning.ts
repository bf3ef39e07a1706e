// What a translation had to leave out or change, as data rather than sentences: a discriminated
// union the converters return and the edge logs. The strings a warning carries are either the
// gateway's own words (`setting`, `what`, `kind`) or names the client chose (`field`,
// `contentType`), and the latter are the only ones that need care before they are logged:
// loggableWarning() keeps them only when they are plain identifiers, so a prompt cannot ride
// along in a field name or a block type.

/** The kinds of content a translation may drop. */
export type DroppedContentKind = 'block' | 'part' | 'tool' | 'tool_choice' | 'image' | 'document' | 'file' | 'item'

/** Changes a translation makes on purpose, each named once. */
export type Adaptation =
  | 'system-message-sent-as-user'
  | 'orphan-tool-result-sent-as-user'
  | 'placeholder-tool-result'
  | 'tool-arguments-not-an-object'
  | 'thinking-dropped-from-history'
  | 'legacy-function-call-dropped'
  | 'legacy-function-message-dropped'
  | 'response-format-as-system-instruction'
  | 'empty-stop-sequences-dropped'
  | 'reasoning-effort-ignored'
  | 'temperature-dropped-for-thinking'
  | 'top-p-dropped-for-thinking'
  | 'namespace-tools-flattened'
  | 'include-entry-ignored'
  | 'thinking-dropped-for-unsigned-tool-turn'

export type TranslationWarning =
  /** A top-level field the backend's API has no place for. */
  | { type: 'dropped-field'; field: string }
  /** A top-level field of the wrong shape, left out rather than refused. */
  | { type: 'dropped-malformed'; field: string }
  /** A block, part, item, tool or tool choice the backend's API cannot carry; `message` is its index in `messages` (or `input`). */
  | { type: 'dropped-content'; kind: DroppedContentKind; contentType: string | null; message?: number }
  /** A number brought within what the backend accepts. */
  | { type: 'clamped'; setting: 'max_tokens' | 'temperature' | 'stop_sequences'; from: number; to: number }
  /** A deliberate change, with where it happened when it concerns one message. */
  | { type: 'adapted'; what: Adaptation; message?: number; count?: number }

/** A client-chosen name as the log may carry it: a plain identifier of at most 40 characters, else a blank. */
export function loggableName(value: unknown): string {
  return typeof value === 'string' && /^[\w.:/-]{1,40}$/.test(value) ? value : '…'
}

/** The warning with the client's own names blanked unless they are plain identifiers. */
export function loggableWarning(warning: TranslationWarning): TranslationWarning {
  switch (warning.type) {
    case 'dropped-field':
    case 'dropped-malformed':
      return { ...warning, field: loggableName(warning.field) }
    case 'dropped-content':
      return { ...warning, contentType: warning.contentType === null ? null : loggableName(warning.contentType) }
    case 'clamped':
    case 'adapted':
      return warning
    default: {
      const never_: never = warning
      return never_
    }
  }
}
