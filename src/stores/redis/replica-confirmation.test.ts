// The replica confirmation on its own, over a fake client whose WAIT replies when the test says:
// how writes share WAITs, and that a write is never vouched for by a WAIT on another connection.
// Its behaviour against real replicas is in test/quota-redis-sentinel.test.ts.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'bun:test'
import type { Redis } from 'ioredis'
import { createReplicaConfirmation, UnconfirmedAdmission } from './replica-confirmation'

function fakeClient() {
  const waits: Array<{ replicas: number; timeoutMs: number; answer: (acknowledged: number) => void }> = []
  const client = Object.assign(new EventEmitter(), {
    status: 'ready',
    wait: (replicas: number, timeoutMs: number) => new Promise<number>((answer) => waits.push({ replicas, timeoutMs, answer })),
  })
  return { client: client as unknown as Redis & EventEmitter, waits }
}

const settle = () => Bun.sleep(1)

describe('createReplicaConfirmation', () => {
  it('confirms a write once enough replicas acknowledge it, and refuses it when fewer do', async () => {
    const { client, waits } = fakeClient()
    const confirmation = createReplicaConfirmation(client, 2, 300)
    const ok = confirmation.begin().confirm()
    await settle()
    expect(waits.map((w) => [w.replicas, w.timeoutMs])).toEqual([[2, 300]])
    waits[0]!.answer(2)
    await ok

    const short = confirmation.begin().confirm()
    await settle()
    waits[1]!.answer(1)
    const error = await short.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnconfirmedAdmission)
    expect(String(error)).toContain('1 of 2 replicas confirmed the write within 300 ms')
  })

  it('lets writes that finish while a WAIT is out share the next one', async () => {
    const { client, waits } = fakeClient()
    const confirmation = createReplicaConfirmation(client, 1, 500)
    const first = confirmation.begin().confirm()
    await settle()
    const later = [confirmation.begin().confirm(), confirmation.begin().confirm(), confirmation.begin().confirm()]
    await settle()
    // The WAIT in flight may have been sent before their writes: it cannot vouch for them.
    expect(waits).toHaveLength(1)
    waits[0]!.answer(1)
    await first
    await settle()
    expect(waits).toHaveLength(2)
    waits[1]!.answer(1)
    await Promise.all(later)
    expect(waits).toHaveLength(2)
  })

  it('never confirms a write whose connection closed before its WAIT, and says when a give-back is safe', async () => {
    const { client, waits } = fakeClient()
    const confirmation = createReplicaConfirmation(client, 1, 500)
    const pending = confirmation.begin()
    expect(pending.sameConnection()).toBe(true)
    client.emit('close')
    const result = pending.confirm()
    await settle()
    waits[0]!.answer(1)
    expect(await result.catch((e: unknown) => String(e))).toContain('the connection to Redis changed')
    expect(pending.sameConnection()).toBe(false)
    expect(confirmation.begin().sameConnection()).toBe(true)
  })

  it('refuses settings that would wait for ever or confirm nothing', () => {
    const { client } = fakeClient()
    expect(() => createReplicaConfirmation(client, 0, 100)).toThrow('replicas must be a whole number >= 1')
    expect(() => createReplicaConfirmation(client, 1, 0)).toThrow('WAIT 0 would wait for ever')
  })
})
