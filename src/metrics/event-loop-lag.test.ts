import { describe, expect, it } from 'bun:test'
import { watchEventLoopLag } from './event-loop-lag'
import { createGatewayMetrics, MAX_QUOTA_USED_SERIES } from './gateway-metrics'

describe('gateway_event_loop_lag_seconds', () => {
  it('shows how long the event loop was held up', async () => {
    const metrics = createGatewayMetrics()
    const stop = watchEventLoopLag(metrics.eventLoopLag, { periodMs: 20 })
    try {
      await Bun.sleep(60)
      const busyUntil = performance.now() + 250
      while (performance.now() < busyUntil) {
        // the kind of stall one expensive request causes
      }
      await Bun.sleep(60)
      expect(metrics.eventLoopLag.get()).toBeGreaterThan(0.2)
      expect(metrics.registry.render()).toContain('gateway_event_loop_lag_seconds ')
    } finally {
      stop()
    }
  })
})

describe('gateway_quota_used', () => {
  it('starts over each quota day, so users of past days do not stay series forever', () => {
    const metrics = createGatewayMetrics()
    metrics.recordQuotaUsed('ann', 3, '2026-12-01')
    metrics.recordQuotaUsed('bob', 1, '2026-12-01')
    metrics.recordQuotaUsed('ann', 1, '2026-12-02')
    const text = metrics.registry.render()
    expect(text).toContain('gateway_quota_used{user="ann"} 1')
    expect(text).not.toContain('user="bob"')
    // A late record of yesterday does not bring yesterday back.
    metrics.recordQuotaUsed('bob', 2, '2026-12-01')
    expect(metrics.registry.render()).not.toContain('user="bob"')
  })

  it('shows at most MAX_QUOTA_USED_SERIES users a day', () => {
    const metrics = createGatewayMetrics()
    for (let i = 0; i < MAX_QUOTA_USED_SERIES + 50; i++) metrics.recordQuotaUsed(`user-${i}`, 1, '2026-12-01')
    expect(metrics.quotaUsed.size).toBe(MAX_QUOTA_USED_SERIES)
    metrics.recordQuotaUsed('user-0', 7, '2026-12-01')
    expect(metrics.quotaUsed.get({ user: 'user-0' })).toBe(7)
  })
})
