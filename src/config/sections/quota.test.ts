import { describe, expect, it } from 'bun:test'
import { Problems } from '../field-readers'
import { normalizeQuota } from './quota'

function quota(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { quota: normalizeQuota(raw, p), problems: p.list }
}

describe('normalizeQuota', () => {
  it('counts by default, in UTC, refusing requests when the store is down', () => {
    expect(quota({})).toEqual({ quota: { enabled: true, timezone: 'UTC', on_store_error: 'reject' }, problems: [] })
  })

  it('turns counting off only for an explicit false', () => {
    expect(quota({ enabled: false }).quota.enabled).toBe(false)
    expect(quota({ enabled: null }).quota.enabled).toBe(true)
    // Not checked: the string "false" (what `${VAR}` substitution gives) leaves counting on.
    expect(quota({ enabled: 'false' }).quota.enabled).toBe(true)
  })

  it('reports an unknown time zone and an unknown store-error policy', () => {
    expect(quota({ timezone: 'Mars/Olympus', on_store_error: 'maybe' }).problems).toEqual(['c.yaml: quota.timezone: unknown time zone "Mars/Olympus"', 'c.yaml: quota.on_store_error: must be reject or allow'])
  })
})
