// The outage policy on its own, over a fake store whose ping the test turns on and off: when the
// store counts as failing, what healthy() says under each on_store_error, and how the probe ends it.
import { afterEach, describe, expect, it } from 'bun:test'
import { GatewayError } from '../errors/gateway-error'
import { createStoreOutage, storeUnavailable, type StoreOutage, type StoreOutageOptions } from './store-outage'
import { waitFor } from '../../test/helpers/wait-for'

const PROBE_MS = 5
const SECRET_ERROR = new Error('connect ECONNREFUSED redis://app:hunter2@10.0.0.5:6379')

const outages: StoreOutage[] = []
afterEach(() => {
  for (const outage of outages.splice(0)) outage.close()
})

/** A store whose ping fails while `down`, or hangs while `hang` (until `answer()`), counting the pings. */
function fakeStore() {
  const state = { down: false, hang: false, pings: 0, answer: () => {} }
  const store = {
    async ping() {
      state.pings++
      if (state.hang) await new Promise<void>((resolve) => (state.answer = resolve))
      if (state.down) throw SECRET_ERROR
    },
  }
  return { store, state }
}

function outageOver(options: Partial<StoreOutageOptions> = {}) {
  const { store, state } = fakeStore()
  const logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = []
  const outage = createStoreOutage({
    store,
    onStoreError: 'reject',
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
    probeIntervalMs: PROBE_MS,
    reached: () => true,
    ...options,
  })
  outages.push(outage)
  return { outage, state, logs }
}

describe('store outage', () => {
  it('is healthy, and does not ping, while no store operation has failed', async () => {
    const { outage, state } = outageOver()
    await Bun.sleep(PROBE_MS * 4)
    expect(outage.failing()).toBe(false)
    expect(outage.healthy()).toBe(true)
    expect(state.pings).toBe(0)
  })

  it('a failing store is probed until a ping succeeds, then healthy again', async () => {
    const { outage, state, logs } = outageOver()
    state.down = true
    outage.failed('admit', SECRET_ERROR)
    expect(outage.failing()).toBe(true)
    expect(outage.healthy()).toBe(false)

    // Failed pings keep it failing, however many.
    expect(await waitFor(() => state.pings >= 3)).toBe(true)
    expect(outage.failing()).toBe(true)
    expect(outage.healthy()).toBe(false)

    state.down = false
    expect(await waitFor(() => outage.healthy())).toBe(true)
    expect(outage.failing()).toBe(false)
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'quota store reachable again' })

    // Back: the probe has stopped.
    const pings = state.pings
    await Bun.sleep(PROBE_MS * 4)
    expect(state.pings).toBe(pings)
  })

  it('logs the first failure as an error and the following ones at debug, without credentials', () => {
    const { outage, logs } = outageOver()
    outage.failed('admit', SECRET_ERROR)
    outage.failed('addTokens', 'redis://:pw@host:6379 down')
    expect(logs).toEqual([
      { level: 'error', msg: 'quota store unreachable', fields: { operation: 'admit', error: 'connect ECONNREFUSED redis://***@10.0.0.5:6379', on_store_error: 'reject' } },
      { level: 'debug', msg: 'quota store still unreachable', fields: { operation: 'addTokens', error: 'redis://***@host:6379 down' } },
    ])
  })

  it('sends one ping at a time: a ping that hangs is not piled on', async () => {
    const { outage, state } = outageOver()
    state.hang = true
    outage.failed('admit', SECRET_ERROR)
    expect(await waitFor(() => state.pings === 1)).toBe(true)
    await Bun.sleep(PROBE_MS * 6)
    expect(state.pings).toBe(1)
    state.hang = false
    state.answer()
    expect(await waitFor(() => outage.healthy())).toBe(true)
  })

  it('gives up on a ping that never settles after probeTimeoutMs, so the probing goes on', async () => {
    const { outage, state } = outageOver({ probeTimeoutMs: PROBE_MS * 10 })
    state.hang = true
    outage.failed('admit', SECRET_ERROR)
    expect(await waitFor(() => state.pings === 1)).toBe(true)
    // The first ping is never answered; the store answers the ones after it.
    state.hang = false
    expect(await waitFor(() => outage.healthy())).toBe(true)
    expect(state.pings).toBeGreaterThanOrEqual(2)
  })

  it('under reject, is unhealthy until the store is first reached, before any operation fails', () => {
    let reached = false
    const { outage } = outageOver({ reached: () => reached })
    expect(outage.failing()).toBe(false)
    expect(outage.healthy()).toBe(false)
    reached = true
    expect(outage.healthy()).toBe(true)
  })

  it('under allow, stays healthy while the store fails, and still probes it back', async () => {
    const { outage, state, logs } = outageOver({ onStoreError: 'allow', reached: () => false })
    expect(outage.policy).toBe('allow')
    expect(outage.healthy()).toBe(true)
    state.down = true
    outage.failed('admit', SECRET_ERROR)
    expect(outage.failing()).toBe(true)
    expect(outage.healthy()).toBe(true)
    expect(await outage.checkHealth()).toBe(true)
    state.down = false
    expect(await waitFor(() => !outage.failing())).toBe(true)
    expect(logs.map((l) => l.msg)).toContain('quota store reachable again')
  })

  it('checkHealth pings now: a failed ping marks the store failing, a successful one clears it', async () => {
    const { outage, state, logs } = outageOver({ probeIntervalMs: 60_000 })
    state.down = true
    expect(await outage.checkHealth()).toBe(false)
    expect(outage.failing()).toBe(true)
    expect(logs[0]).toMatchObject({ level: 'error', fields: { operation: 'ping' } })
    state.down = false
    expect(await outage.checkHealth()).toBe(true)
    expect(outage.failing()).toBe(false)
    expect(state.pings).toBe(2)
  })

  it('stops probing once closed', async () => {
    const { outage, state } = outageOver()
    state.down = true
    outage.failed('admit', SECRET_ERROR)
    expect(await waitFor(() => state.pings >= 1)).toBe(true)
    outage.close()
    const pings = state.pings
    await Bun.sleep(PROBE_MS * 4)
    expect(state.pings).toBe(pings)
  })

  it('refuses an on_store_error other than reject or allow', () => {
    expect(() => outageOver({ onStoreError: 'maybe' as 'allow' })).toThrow('on_store_error must be "reject" or "allow", got "maybe"')
  })

  it('answers a request it cannot serve with a 503 that names no store', () => {
    const error = storeUnavailable()
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 503, type: 'api_error', message: 'quota store unavailable; try again shortly' })
  })
})
