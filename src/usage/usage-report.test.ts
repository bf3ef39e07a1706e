import { describe, expect, it } from 'bun:test'
import { emptyCounts, type LedgerRow } from './ledger-row'
import { parseGroupBy, parseRange, summarize, toCsv, viewFor } from './usage-report'

const row = (over: Partial<LedgerRow>): LedgerRow => ({ day: '2026-12-01', user: 'ann', tier: 'pro', requested_model: 'a', model: 'm1', backend: 'b1', ...emptyCounts(), ...over })

describe('usage reports', () => {
  it('defaults the range to today and refuses bad dates, reversed ranges and ranges past the retention', () => {
    expect(parseRange(undefined, undefined, '2026-12-02', 90)).toEqual({ from: '2026-12-02', to: '2026-12-02' })
    expect(parseRange('2026-11-03', undefined, '2026-12-02', 90)).toEqual({ from: '2026-11-03', to: '2026-12-02' })
    for (const [from, to] of [['2026-13-01', '2026-12-02'], ['2026-02-30', undefined], ['yesterday', undefined], ['2026-12-02', '2026-12-01'], ['2026-01-01', '2026-12-02']]) {
      expect(() => parseRange(from, to, '2026-12-02', 90)).toThrow(expect.objectContaining({ status: 400 }))
    }
  })

  it('reads group_by as known names, once each, and refuses others with a 400', () => {
    expect(parseGroupBy('day,user,model,day', ['day'])).toEqual(['day', 'user', 'model'])
    expect(parseGroupBy(undefined, ['day'])).toEqual(['day'])
    expect(() => parseGroupBy('day,password', ['day'])).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => parseGroupBy('user', ['day'], ['day', 'model'])).toThrow(expect.objectContaining({ status: 400 }))
  })

  it('reads the smallest stored view that holds the grouping', () => {
    expect(viewFor(['day', 'model'], false)).toBe('models')
    expect(viewFor(['user'], false)).toBe('users')
    expect(viewFor(['user', 'backend'], false)).toBe('full')
    expect(viewFor(['day'], true)).toBe('full')
  })

  it('sums rows per group and prices each row by its own routed model', () => {
    const rows = [row({ requests: 2, input_tokens: 1_000_000, output_tokens: 0 }), row({ model: 'm2', requests: 1, input_tokens: 0, output_tokens: 500_000 }), row({ user: 'bob', requests: 5 })]
    const priced = summarize(rows, ['user'], (m) => (m === 'm1' ? { input: 3, output: 15 } : m === 'm2' ? { input: 1, output: 2 } : null))
    expect(priced).toEqual([
      { user: 'ann', ...emptyCounts(), requests: 3, input_tokens: 1_000_000, output_tokens: 500_000, cost: 4 },
      { user: 'bob', ...emptyCounts(), requests: 5, cost: 0 },
    ])
    expect(summarize(rows, ['day'], null)[0]).not.toHaveProperty('cost')
  })

  it('writes CSV with a header of the same names, quoting, and no formula a spreadsheet would run', () => {
    const csv = toCsv({ from: 'x', to: 'x', group_by: ['user'], rows: summarize([row({ user: '=HYPERLINK("x")', requests: 1 }), row({ user: 'a,b', requests: 2 })], ['user'], null) })
    const lines = csv.trim().split('\n')
    expect(lines[0]).toBe('user,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens,latency_ms')
    expect(lines[1]).toStartWith('"\'=HYPERLINK(""x"")",1,')
    expect(lines[2]).toStartWith('"a,b",2,')
  })
})
