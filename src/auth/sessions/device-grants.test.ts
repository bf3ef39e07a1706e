import { describe, expect, it } from 'bun:test'
import { createSqliteSignInStore } from '../../stores/sqlite/sqlite-sign-in-store'
import { createDeviceGrants, displayUserCode, normalizeUserCode, USER_CODE_ALPHABET } from './device-grants'
import type { SessionSeed } from './session-seed'

const seed: SessionSeed = { user: 'kc-sub-1', name: 'alice', tier: 'free', upstreamRefresh: 'sealed' }

function setup(start = 1_000_000) {
  let t = start
  const store = createSqliteSignInStore({ path: ':memory:', now: () => t })
  const grants = createDeviceGrants({ store, now: () => t })
  return { grants, store, advance: (ms: number) => (t += ms) }
}

describe('device grants (RFC 8628)', () => {
  it('hands out a 256-bit device code and a base-20 XXXX-XXXX user code, 600 s and interval 5', async () => {
    const { grants } = setup()
    const a = await grants.authorize()
    expect(a.userCode).toMatch(new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`))
    expect(a.expiresIn).toBe(600)
    expect(a.interval).toBe(5)
    const secret = a.deviceCode.split('.')[1]!
    expect(Buffer.from(secret, 'base64url').byteLength).toBe(32)
    expect((await grants.authorize()).deviceCode).not.toBe(a.deviceCode)
  })

  it('answers authorization_pending, then slow_down to a poll sooner than the interval, with the interval grown by 5 s', async () => {
    const { grants, advance } = setup()
    const a = await grants.authorize()
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'authorization_pending' })
    advance(1_000)
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'slow_down' })
    // The interval is now 10 s: 6 s later is still too soon (and makes it 15 s); 15 s later is fine.
    advance(6_000)
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'slow_down' })
    advance(15_000)
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'authorization_pending' })
    advance(5_000)
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'slow_down' })
  })

  it('redeems an approved code exactly once', async () => {
    const { grants } = setup()
    const a = await grants.authorize()
    const pending = await grants.findPending(a.userCode.toLowerCase().replace('-', ' '))
    expect(pending?.userCode).toBe(a.userCode)
    expect(await grants.settle(pending!.grantId, { approve: seed })).toBe(true)
    // Approved once; a second approval (another browser) changes nothing.
    expect(await grants.settle(pending!.grantId, { approve: { ...seed, user: 'mallory' } })).toBe(false)
    expect(await grants.findPending(a.userCode)).toBeNull()
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'approved', seed })
    expect(await grants.poll(a.deviceCode)).toEqual({ kind: 'invalid_grant' })
  })

  it('answers access_denied after a refusal and expired_token after the lifetime, then forgets the code', async () => {
    const { grants, advance } = setup()
    const denied = await grants.authorize()
    await grants.settle((await grants.findPending(denied.userCode))!.grantId, { deny: true })
    expect(await grants.poll(denied.deviceCode)).toEqual({ kind: 'access_denied' })
    expect(await grants.poll(denied.deviceCode)).toEqual({ kind: 'invalid_grant' })

    const late = await grants.authorize()
    advance(601_000)
    expect(await grants.findPending(late.userCode)).toBeNull()
    expect(await grants.poll(late.deviceCode)).toEqual({ kind: 'expired_token' })
    expect(await grants.poll(late.deviceCode)).toEqual({ kind: 'invalid_grant' })
  })

  it('refuses unknown, malformed and forged device codes without approving anything', async () => {
    const { grants } = setup()
    const a = await grants.authorize()
    await grants.settle((await grants.findPending(a.userCode))!.grantId, { approve: seed })
    const [id] = a.deviceCode.split('.')
    for (const code of ['', 'x', `${id}.${'A'.repeat(43)}`, `${'A'.repeat(22)}.${'A'.repeat(43)}`, `${a.deviceCode}x`, '.'.repeat(66)]) {
      expect(await grants.poll(code)).toEqual({ kind: 'invalid_grant' })
    }
    // The real one is still there, once.
    expect((await grants.poll(a.deviceCode)).kind).toBe('approved')
  })

  it('reads user codes as people type them, and nothing that cannot be one', () => {
    expect(normalizeUserCode('wdjb-mjht')).toBe('WDJBMJHT')
    expect(normalizeUserCode(' WDJB MJHT ')).toBe('WDJBMJHT')
    expect(normalizeUserCode('WDJB-MJHA')).toBeNull() // A is a vowel: not in the alphabet
    expect(normalizeUserCode('WDJB-MJH')).toBeNull()
    expect(normalizeUserCode('x'.repeat(1000))).toBeNull()
    expect(displayUserCode('WDJBMJHT')).toBe('WDJB-MJHT')
  })
})
