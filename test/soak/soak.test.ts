// The short soak run of the suite (about three minutes): three compiled gateways on Redis with
// Sentinel, under the mixed load of soak-load.ts from fake LLM upstreams speaking the real wire
// formats, through a Redis master kill, an upstream endpoint restart and a rolling SIGTERM restart
// of every gateway. run-soak.ts has the set-up and the long run's command; soak-checks.ts the
// invariants.
import { describe, expect, it } from 'bun:test'
import { runSoak } from './run-soak'

describe('soak (short run)', () => {
  it('admits no user over quota, loses and doubles no count, never answers 500, ends every stream, stays flat and ready through the chaos', async () => {
    const report = await runSoak({ durationMs: 150_000, cycleMs: 150_000, clients: 10, seed: 1 })
    console.log(`soak figures: ${JSON.stringify({ ...report.figures, timeline: report.timeline })}`)
    expect(report.violations).toEqual([])
    expect(report.failovers).toBe(1)
    expect(report.upstreamRestarts).toBe(1)
    expect(report.rolls).toBe(3)
    // The run did what it claims: load of every kind, users at their limits, streams of both endings.
    expect(report.figures.requests).toBeGreaterThan(1000)
    expect(Object.keys(report.figures.byKind)).toHaveLength(18)
    expect(report.figures.byStatus['429'] ?? 0).toBeGreaterThan(0)
    expect(report.figures.streams.completed ?? 0).toBeGreaterThan(100)
    expect(report.figures.streams['aborted-by-client'] ?? 0).toBeGreaterThan(0)
    expect(report.figures.usersChecked).toBeGreaterThan(20)
    expect(report.figures.processes.length).toBeGreaterThanOrEqual(3)
  }, 480_000)
})
