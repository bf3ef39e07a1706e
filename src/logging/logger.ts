// Structured JSON logs, one object per line on stdout. Callers pass fields, never secrets: keys,
// tokens and prompts are not given to the logger in the first place.
import type { LogLevel } from '../config/config-types'

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

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const min = ORDER[level]
  const log = (lvl: LogLevel) => (msg: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), enabled: (lvl) => ORDER[lvl] >= min }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, enabled: () => false }
