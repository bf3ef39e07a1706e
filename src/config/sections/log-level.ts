// The top-level `log_level` key: the least severe level the gateway writes.

import type { LogLevel } from '../config-types'
import { DEFAULTS } from '../defaults'
import { type Problems, type Raw, str } from '../field-readers'

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error']

export function normalizeLogLevel(raw: Raw, p: Problems): LogLevel {
  const level = str(raw, 'log_level', 'log_level', p, DEFAULTS.log_level) as LogLevel
  if (!LEVELS.includes(level)) p.add('log_level', `must be one of ${LEVELS.join(', ')}`)
  return level
}
