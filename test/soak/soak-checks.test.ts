// The soak's judge on its own: made-up outcomes, counts and samples that break one invariant each
// must each give a violation, and a clean set none, so that a soak run that passes means the
// invariants held rather than that nothing was checked.
import { describe, expect, it } from 'bun:test'
import type { ProcessHistory } from './process-sampler'
import { checkSoak, type CheckInput } from './soak-checks'
import type { Outcome, SoakUser } from './soak-load'

const fay: SoakUser = { id: 'soak-free-0', key: 'sk-soak-free-0', tier: 'free' }

function outcome(extra: Partial<Outcome>): Outcome {
  return { kind: 'chat', user: fay, gateway: 0, startedAt: 1_000, endedAt: 1_010, status: 200, refused: false, problems: [], ...extra }
}

function flatHistory(rssEndMb = 80, fdsEnd = 25): ProcessHistory {
  const samples = Array.from({ length: 30 }, (_, i) => ({ at: 20_000 + i * 2_000, rssMb: i < 15 ? 75 : rssEndMb, fds: i < 15 ? 24 : fdsEnd }))
  return { slot: 0, generation: 0, pid: 1, startedAt: 0, stoppedAt: null, samples }
}

function input(extra: Partial<CheckInput>): CheckInput {
  return {
    outcomes: [outcome({}), outcome({ status: 429 }), outcome({ kind: 'bad-json', status: 400 })],
    counts: [{ user: fay, limit: 10, used: 1 }],
    redisWindows: [{ what: 'failover', from: 5_000, to: 9_000 }],
    histories: [flatHistory()],
    flatness: { warmUpMs: 20_000, rssGrowthMb: 48, fdGrowth: 40 },
    ...extra,
  }
}

describe('checkSoak', () => {
  it('finds nothing wrong with a clean run', () => {
    const result = checkSoak(input({}))
    expect(result.violations).toEqual([])
    expect(result.figures).toMatchObject({ requests: 3, confirmed: 1, maybe: 0, byStatus: { '200': 1, '400': 1, '429': 1 } })
  })

  it('reports a lost count, a double count and a user admitted over the limit', () => {
    expect(checkSoak(input({ counts: [{ user: fay, limit: 10, used: 0 }] })).violations).toEqual([
      'soak-free-0: 1 answers were admitted but the store counts 0 (lost counts)',
    ])
    expect(checkSoak(input({ counts: [{ user: fay, limit: 10, used: 2 }] })).violations).toEqual([
      'soak-free-0: the store counts 2, clients got 1 admitted and 0 unsettled (double counts)',
    ])
    const eleven = Array.from({ length: 11 }, () => outcome({}))
    expect(checkSoak(input({ outcomes: eleven, counts: [{ user: fay, limit: 10, used: 11 }] })).violations).toEqual([
      'soak-free-0 (free): admitted 11 requests over a limit of 10',
    ])
  })

  it('leaves a failure during a failover unsettled, and only then', () => {
    const during = outcome({ status: 503, message: '{"error":{"message":"quota store unavailable; try again shortly"}}', startedAt: 6_000, endedAt: 6_010 })
    expect(checkSoak(input({ outcomes: [outcome({}), during], counts: [{ user: fay, limit: 10, used: 2 }] })).violations).toEqual([])
    const after = { ...during, startedAt: 12_000, endedAt: 12_010 }
    expect(checkSoak(input({ outcomes: [outcome({}), after], counts: [{ user: fay, limit: 10, used: 2 }] })).violations).toEqual([
      'chat at 12.0 s on gateway 0: store unavailable outside a Redis failover',
      'soak-free-0: the store counts 2, clients got 1 admitted and 0 unsettled (double counts)',
    ])
  })

  it('reports a 500, a stream cut without an error event, a wrong answer to a bad request and a refused valid one', () => {
    const violations = checkSoak(
      input({
        outcomes: [
          outcome({}),
          outcome({ kind: 'chat', status: 500, message: 'boom' }),
          outcome({ kind: 'chat-stream', stream: 'cut' }),
          outcome({ kind: 'oversized', status: 200 }),
          outcome({ kind: 'messages', status: 403, message: 'no' }),
          outcome({ kind: 'chat', status: null, error: 'ECONNRESET' }),
        ],
        counts: [{ user: fay, limit: 10, used: 3 }],
      }),
    ).violations
    expect(violations).toEqual([
      'chat at 1.0 s on gateway 0: answered 500: boom',
      'chat-stream at 1.0 s on gateway 0: a stream ended without completing or an error event',
      'oversized at 1.0 s on gateway 0: answered 200, expected 413: ',
      'messages at 1.0 s on gateway 0: a valid request answered 403: no',
      'chat at 1.0 s on gateway 0: no answer (ECONNRESET)',
    ])
  })

  it("accepts the failed-login limit's 429 for a wrong key, and only for a wrong key", () => {
    const limited = { status: 429, message: 'Too many failed authentications from this address; retry in 5 s.' }
    const violations = checkSoak(
      input({
        outcomes: [outcome({}), outcome({ kind: 'wrong-key', user: null, ...limited }), outcome({ kind: 'no-key', user: null, ...limited })],
        counts: [{ user: fay, limit: 10, used: 1 }],
      }),
    ).violations
    expect(violations).toEqual([`no-key at 1.0 s on gateway 0: answered 429, expected 401: ${limited.message}`])
  })

  it('reports memory or file descriptors that grow under steady load', () => {
    expect(checkSoak(input({ histories: [flatHistory(140, 25)] })).violations).toEqual(['gateway 0 (process 0): RSS grew from 75 to 140 MB under steady load'])
    expect(checkSoak(input({ histories: [flatHistory(80, 90)] })).violations).toEqual(['gateway 0 (process 0): open file descriptors grew from 24 to 90'])
  })
})
