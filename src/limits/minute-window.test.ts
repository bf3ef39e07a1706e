import { describe, expect, it } from 'bun:test'
import { MinuteWindow, secondsUntilBelow } from './minute-window'

describe('MinuteWindow', () => {
  it('sums the sixty seconds ending now and forgets older ones', () => {
    const w = new MinuteWindow()
    w.add(1000, 3)
    w.add(1030, 2)
    expect(w.total(1030)).toBe(5)
    expect(w.total(1059)).toBe(5)
    // Second 1000 leaves the window at 1060.
    expect(w.total(1060)).toBe(2)
    expect(w.total(1090)).toBe(0)
    expect(w.idle(1090)).toBe(true)
  })

  it('reuses a bucket sixty seconds later without carrying its old amount', () => {
    const w = new MinuteWindow()
    w.add(1000, 7)
    w.add(1060, 1)
    expect(w.total(1060)).toBe(1)
  })

  it('never lets a bucket go below zero', () => {
    const w = new MinuteWindow()
    w.add(5, 1)
    w.add(5, -3)
    expect(w.total(5)).toBe(0)
  })
})

describe('secondsUntilBelow', () => {
  it('waits until enough of the oldest seconds have left the window', () => {
    // Limit 3, used 1 at 100, 2 at 110, 1 at 120: at 125 the total is 4.
    const buckets = [
      { second: 110, amount: 2 },
      { second: 100, amount: 1 },
      { second: 120, amount: 1 },
    ]
    // Dropping second 100 leaves 3 (not below 3); dropping 110 too leaves 1: at 170.
    expect(secondsUntilBelow(buckets, 125, 3)).toBe(170 - 125)
    expect(secondsUntilBelow(buckets, 125, 4)).toBe(160 - 125)
  })

  it('says at least one second, and sixty for a limit of zero', () => {
    expect(secondsUntilBelow([{ second: 100, amount: 1 }], 159, 1)).toBe(1)
    expect(secondsUntilBelow([], 100, 0)).toBe(60)
  })
})
