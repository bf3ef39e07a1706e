// The `quota` section: whether requests are counted at all, the time zone whose midnight resets
// the daily limits, and what happens when the quota store cannot be reached.

import type { QuotaConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { type Problems, type Raw, str } from '../field-readers'
import { isKnownTimeZone } from '../time-zone'

export function normalizeQuota(quota: Raw, p: Problems): QuotaConfig {
  const timezone = str(quota, 'timezone', 'quota.timezone', p, DEFAULTS.quota.timezone)
  if (!isKnownTimeZone(timezone)) p.add('quota.timezone', `unknown time zone ${JSON.stringify(timezone)}`)
  const onStoreError = str(quota, 'on_store_error', 'quota.on_store_error', p, DEFAULTS.quota.on_store_error)
  if (onStoreError !== 'reject' && onStoreError !== 'allow') p.add('quota.on_store_error', 'must be reject or allow')
  // Any value but an explicit false leaves counting on; the value itself is not checked.
  const enabled = quota.enabled === undefined || quota.enabled === null ? DEFAULTS.quota.enabled : quota.enabled !== false
  return { enabled, timezone, on_store_error: onStoreError as 'reject' | 'allow' }
}
