// Structured JSON logs, one object per line on stdout. Callers pass fields, never secrets: keys,
// tokens and prompts are not given to the logger in the first place. The lines of one event-loop
// turn go out in one write at its end (an access log line per request would otherwise cost a
// system call each); whatever is pending is written when the process exits.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>
export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** Whether lines of this level are written, so that callers can skip building them. */
  enabled(level: LogLevel): boolean
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Collects lines and writes them together at the end of the event-loop turn, or at 64 KB. */
function bufferedWriter(write: (text: string) => void): (line: string) => void {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    write(text)
  }
  process.once('exit', flush)
  return (line) => {
    pending += line
    if (pending.length >= 65536) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

let stdoutWriter: ((line: string) => void) | undefined
const toStdout = (line: string) => (stdoutWriter ??= bufferedWriter((text) => process.stdout.write(text)))(line)

/** The current time as ISO 8601, formatted once per millisecond (an access log line per request). */
let lastMs = -1
let lastIso = ''
function isoNow(): string {
  const ms = Date.now()
  if (ms !== lastMs) {
    lastMs = ms
    lastIso = new Date(ms).toISOString()
  }
  return lastIso
}

export function createLogger(level: LogLevel, write: (line: string) => void = toStdout): Logger {
  const min = ORDER[level]
  const log = (lvl: LogLevel) => (msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return
    const time = isoNow()
    // A field named like a fixed key replaces it, as it always did: the merged object, rarely.
    if (fields != null && ('time' in fields || 'level' in fields || 'msg' in fields)) {
      write(`${JSON.stringify({ time, level: lvl, msg, ...fields })}\n`)
      return
    }
    // The fields' own JSON, its opening brace replaced by the fixed keys: no merged object.
    const head = `{"time":"${time}","level":"${lvl}","msg":${JSON.stringify(String(msg))}`
    const rest = fields == null ? '{}' : JSON.stringify(fields)
    write(rest.length > 2 ? `${head},${rest.slice(1)}\n` : `${head}}\n`)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), enabled: (lvl) => ORDER[lvl] >= min }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, enabled: () => false }
