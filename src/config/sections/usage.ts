// The `usage` section: whether the usage ledger is kept, and for how many days its rows are kept.

import type { UsageConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { bool, int, type Problems, type Raw } from '../field-readers'

export function normalizeUsage(usage: Raw, p: Problems): UsageConfig {
  const d = DEFAULTS.usage
  return {
    enabled: bool(usage, 'enabled', 'usage.enabled', p, d.enabled),
    retention_days: int(usage, 'retention_days', 'usage.retention_days', p, d.retention_days, 1),
  }
}
