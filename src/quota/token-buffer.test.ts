// The token write buffer on its own, over a fake store that records each write (and can fail it
// or keep it waiting) and a fake outage that turns failing on the first failed write: how tokens
// are summed, when they are written, what held() reports meanwhile, and what a failure does.
import { afterEach, describe, expect, it } from 'bun:test'
import { QuotaWriteRefused } from './quota-store'
import { createTokenBuffer, type TokenBuffer, type TokenBufferOptions } from './token-buffer'
import { MAX_TOKENS_PER_RESPONSE } from './token-count'
import { waitFor } from '../../test/helpers/wait-for'

const LONG_MS = 60_000

interface Write {
  user: string
  day: string
  input: number
  output: number
  ttlSeconds: number
  at: number
}

const buffers: TokenBuffer[] = []
afterEach(() => {
  for (const buffer of buffers.splice(0)) buffer.close()
})

/**
 * A store whose addTokens fails while `down`, and while `hold` waits for `land()` before
 * answering; every write is recorded (successful ones in `written`).
 */
function fakeStore() {
  const state = { down: false, refuse: false, hold: false, attempts: [] as number[], written: [] as Write[], land: () => {} }
  const store = {
    async addTokens(user: string, day: string, input: number, output: number, ttlSeconds: number) {
      state.attempts.push(performance.now())
      if (state.hold) await new Promise<void>((resolve) => (state.land = resolve))
      if (state.down) throw new Error('connect ECONNREFUSED')
      if (state.refuse) throw new QuotaWriteRefused('WRONGTYPE Operation against a key holding the wrong kind of value')
      state.written.push({ user, day, input, output, ttlSeconds, at: performance.now() })
    },
  }
  return { store, state }
}

function bufferOver(options: Partial<TokenBufferOptions> = {}) {
  const { store, state } = fakeStore()
  const outage = { failing: false, failures: [] as string[] }
  const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = []
  const buffer = createTokenBuffer({
    store,
    outage: {
      failing: () => outage.failing,
      failed: (operation) => {
        outage.failing = true
        outage.failures.push(operation)
      },
    },
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
    intervalMs: LONG_MS,
    limitedIntervalMs: LONG_MS,
    ...options,
  })
  buffers.push(buffer)
  return { buffer, state, outage, logs }
}

describe('token buffer', () => {
  it('sums the tokens of each user and day in memory and writes each sum once', async () => {
    const { buffer, state } = bufferOver()
    await buffer.record('ann', '2026-11-27', 10, 2, 300, false)
    await buffer.record('ann', '2026-11-27', 5, 1, 100, false)
    await buffer.record('ann', '2026-11-28', 1, 1, 200, false)
    await buffer.record('bob', '2026-11-27', 3, 0, 100, false)
    expect(state.attempts).toHaveLength(0)
    expect(buffer.held('ann', '2026-11-27')).toEqual({ input: 15, output: 3 })
    expect(buffer.held('cat', '2026-11-27')).toBeNull()

    await buffer.flush()
    // The day's counters are kept as long as the longest-lived request asked.
    expect(state.written.map(({ at: _at, ...w }) => w)).toEqual([
      { user: 'ann', day: '2026-11-27', input: 15, output: 3, ttlSeconds: 300 },
      { user: 'ann', day: '2026-11-28', input: 1, output: 1, ttlSeconds: 200 },
      { user: 'bob', day: '2026-11-27', input: 3, output: 0, ttlSeconds: 100 },
    ])
    expect(buffer.held('ann', '2026-11-27')).toBeNull()
  })

  it('tokens of a limited user are written within the short interval', async () => {
    const { buffer, state } = bufferOver({ limitedIntervalMs: 10 })
    const start = performance.now()
    await buffer.record('ann', 'd', 7, 3, 100, true)
    expect(await waitFor(() => state.written.length === 1)).toBe(true)
    expect(state.written[0]).toMatchObject({ input: 7, output: 3 })
    expect(state.written[0]!.at - start).toBeGreaterThanOrEqual(5)
  })

  it('tokens of a user without a token limit wait for the long interval', async () => {
    const { buffer, state } = bufferOver({ intervalMs: 100, limitedIntervalMs: 5 })
    const start = performance.now()
    await buffer.record('ann', 'd', 7, 3, 100, false)
    await Bun.sleep(30)
    expect(state.attempts).toHaveLength(0)
    expect(await waitFor(() => state.written.length === 1)).toBe(true)
    expect(state.written[0]!.at - start).toBeGreaterThanOrEqual(90)
  })

  it('writes everything held within the short interval once a limited user records', async () => {
    const { buffer, state } = bufferOver({ limitedIntervalMs: 10 })
    await buffer.record('ann', 'd', 1, 1, 100, false)
    await buffer.record('bob', 'd', 2, 2, 100, true)
    expect(await waitFor(() => state.written.length === 2)).toBe(true)
    expect(state.written.map((w) => w.user).sort()).toEqual(['ann', 'bob'])
  })

  it('reports the tokens being written as held until the write lands', async () => {
    const { buffer, state } = bufferOver()
    await buffer.record('ann', 'd', 60, 40, 100, true)
    state.hold = true
    const writing = buffer.flush()
    await buffer.record('ann', 'd', 1, 0, 100, true)
    // 100 on the way to the store, 1 waiting for the next write.
    expect(buffer.held('ann', 'd')).toEqual({ input: 61, output: 40 })
    state.land()
    await writing
    expect(buffer.held('ann', 'd')).toEqual({ input: 1, output: 0 })
  })

  it('holds the tokens of a failed write again, tells the outage, and writes them on the next flush', async () => {
    const { buffer, state, outage, logs } = bufferOver()
    await buffer.record('ann', 'd', 30, 0, 100, true)
    state.down = true
    await buffer.flush()
    expect(outage.failures).toEqual(['addTokens'])
    expect(buffer.held('ann', 'd')).toEqual({ input: 30, output: 0 })
    expect(state.written).toHaveLength(0)
    state.down = false
    await buffer.flush()
    expect(state.written).toMatchObject([{ user: 'ann', input: 30, output: 0 }])
    expect(buffer.held('ann', 'd')).toBeNull()
    expect(logs).toEqual([])
  })

  it('held tokens are retried at the slow interval while the store fails', async () => {
    const { buffer, state, outage } = bufferOver({ intervalMs: 100, limitedIntervalMs: 5 })
    state.down = true
    await buffer.record('ann', 'd', 5, 5, 100, true)
    expect(await waitFor(() => state.attempts.length >= 3)).toBe(true)
    expect(outage.failing).toBe(true)
    // The first write came at the short interval; the retries at the slow one.
    for (let i = 1; i < 3; i++) expect(state.attempts[i]! - state.attempts[i - 1]!).toBeGreaterThanOrEqual(90)
    expect(buffer.held('ann', 'd')).toEqual({ input: 5, output: 5 })

    state.down = false
    expect(await waitFor(() => state.written.length === 1)).toBe(true)
    expect(state.written[0]).toMatchObject({ input: 5, output: 5 })
    expect(buffer.held('ann', 'd')).toBeNull()
  })

  it('tokens recorded after close are logged as lost when their write fails, and not retried', async () => {
    const { buffer, state, logs } = bufferOver({ intervalMs: 10, limitedIntervalMs: 5 })
    buffer.close()
    state.down = true
    await buffer.record('ann', 'd', 12, 8, 100, true)
    expect(await waitFor(() => logs.length === 1)).toBe(true)
    expect(logs[0]).toEqual({ level: 'error', msg: 'token counts lost: the quota store failed as the gateway stopped', fields: { user: 'ann', input_tokens: 12, output_tokens: 8 } })
    await Bun.sleep(40)
    expect(state.attempts).toHaveLength(1)
    expect(buffer.held('ann', 'd')).toBeNull()
  })

  it('logs as lost a write that was in flight at close and then failed', async () => {
    const { buffer, state, logs } = bufferOver()
    await buffer.record('ann', 'd', 3, 4, 100, false)
    state.hold = true
    state.down = true
    const writing = buffer.flush()
    buffer.close()
    state.land()
    await writing
    expect(logs.map((l) => l.msg)).toEqual(['token counts lost: the quota store failed as the gateway stopped'])
    expect(buffer.held('ann', 'd')).toBeNull()
  })

  it('stops its timer on close: held tokens wait for an explicit flush', async () => {
    const { buffer, state } = bufferOver({ intervalMs: 10, limitedIntervalMs: 5 })
    await buffer.record('ann', 'd', 1, 2, 100, true)
    buffer.close()
    await Bun.sleep(30)
    expect(state.attempts).toHaveLength(0)
    await buffer.flush()
    expect(state.written).toMatchObject([{ user: 'ann', input: 1, output: 2 }])
  })

  it('bounds what one response adds, so that an upstream reporting 1e21 tokens cannot make a write fail', async () => {
    const { buffer, state } = bufferOver()
    await buffer.record('ann', '2026-11-27', 1e21, Number.NaN, 300, true)
    await buffer.record('ann', '2026-11-27', -5, Number.POSITIVE_INFINITY, 300, true)
    await buffer.record('ann', '2026-11-27', 7.9, 2, 300, true)
    expect(buffer.held('ann', '2026-11-27')).toEqual({ input: MAX_TOKENS_PER_RESPONSE + 7, output: MAX_TOKENS_PER_RESPONSE + 2 })
    await buffer.flush()
    expect(state.written.map((w) => [w.input, w.output])).toEqual([[MAX_TOKENS_PER_RESPONSE + 7, MAX_TOKENS_PER_RESPONSE + 2]])
    expect(state.written.every((w) => Number.isSafeInteger(w.input) && Number.isSafeInteger(w.output))).toBe(true)
  })

  it('drops a write the store refuses for good, once, with an error line, and reports no outage', async () => {
    const { buffer, state, outage, logs } = bufferOver({ intervalMs: 5, limitedIntervalMs: 5 })
    state.refuse = true
    await buffer.record('ann', '2026-11-27', 10, 2, 300, false)
    await waitFor(() => state.attempts.length > 0, 1000)
    await Bun.sleep(50)
    expect(state.attempts).toHaveLength(1)
    expect(outage.failures).toEqual([])
    expect(buffer.held('ann', '2026-11-27')).toBeNull()
    expect(logs.filter((l) => l.level === 'error').map((l) => [l.msg, l.fields?.input_tokens, l.fields?.output_tokens])).toEqual([
      ['token counts dropped: the quota store refused them', 10, 2],
    ])
  })
})
