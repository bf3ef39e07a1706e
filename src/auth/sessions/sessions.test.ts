import { describe, expect, it } from 'bun:test'
import { createSqliteSignInStore } from '../../stores/sqlite/sqlite-sign-in-store'
import { deriveSessionKeys } from './session-keys'
import type { SessionSeed } from './session-seed'
import { createSessionTokens } from './session-tokens'
import { createSessions, type RefreshUpstream } from './sessions'

const ISSUER = 'https://gateway.test'
const seed: SessionSeed = { user: 'kc-sub-1', name: 'alice', tier: 'free', upstreamRefresh: 'sealed-keycloak-refresh' }

function setup(upstream: RefreshUpstream = async (s) => ({ ok: true, seed: s })) {
  let t = 1_700_000_000_000
  const store = createSqliteSignInStore({ path: ':memory:', now: () => t })
  const keys = deriveSessionKeys('a-test-secret-that-is-long-enough-0123456789')
  const tokens = createSessionTokens({ keys: async () => keys, issuer: ISSUER, ttlS: 3600, now: () => t })
  const calls: SessionSeed[] = []
  const sessions = createSessions({
    store,
    tokens,
    refreshUpstream: (s) => {
      calls.push(s)
      return upstream(s)
    },
    refreshTtlS: 86_400,
    now: () => t,
  })
  return { sessions, tokens, calls, advance: (ms: number) => (t += ms) }
}

describe('sessions: refresh tokens rotated and single-use, refreshed against Keycloak', () => {
  it('starts a session with an access token for the user and tier, and an opaque refresh token', async () => {
    const { sessions, tokens } = setup()
    const issued = await sessions.start(seed)
    expect(issued.refreshToken).toMatch(/^gwrt_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    expect(issued.expiresIn).toBe(3600)
    expect(await tokens.verify(issued.accessToken)).toEqual({ user: 'kc-sub-1', tier: 'free', name: 'alice', source: 'gateway-session' })
  })

  it('rotates the refresh token on every use and refuses the used one; a used one coming back ends the session', async () => {
    const { sessions } = setup()
    const first = await sessions.start(seed)
    const second = await sessions.refresh(first.refreshToken)
    expect(second.ok).toBe(true)
    if (!second.ok) return
    expect(second.tokens.refreshToken).not.toBe(first.refreshToken)
    // The used token comes back (stolen, or replayed): refused, and the session is over for its holder too.
    expect(await sessions.refresh(first.refreshToken)).toMatchObject({ ok: false, error: 'invalid_grant' })
    expect(await sessions.refresh(second.tokens.refreshToken)).toMatchObject({ ok: false, error: 'invalid_grant' })
  })

  it('lets one of two simultaneous uses of a refresh token through', async () => {
    const { sessions } = setup(async (s) => {
      await Bun.sleep(5)
      return { ok: true, seed: s }
    })
    const first = await sessions.start(seed)
    const answers = await Promise.all([sessions.refresh(first.refreshToken), sessions.refresh(first.refreshToken)])
    expect(answers.filter((a) => a.ok)).toHaveLength(1)
  })

  it('takes the tier Keycloak gives at refresh, and ends the session when Keycloak refuses', async () => {
    let answer: Awaited<ReturnType<RefreshUpstream>> = { ok: true, seed: { ...seed, tier: 'pro', upstreamRefresh: 'sealed-2' } }
    const { sessions, tokens, calls } = setup(async () => answer)
    const first = await sessions.start(seed)
    const second = await sessions.refresh(first.refreshToken)
    if (!second.ok) throw new Error('refresh failed')
    expect((await tokens.verify(second.tokens.accessToken)).tier).toBe('pro')
    expect(calls[0]!.upstreamRefresh).toBe('sealed-keycloak-refresh')

    answer = { ok: false, kind: 'invalid_grant', reason: 'user disabled' }
    expect(await sessions.refresh(second.tokens.refreshToken)).toEqual({ ok: false, error: 'invalid_grant', reason: 'user disabled' })
    // The session is gone: even Keycloak saying yes again would not bring it back.
    answer = { ok: true, seed }
    expect((await sessions.refresh(second.tokens.refreshToken)).ok).toBe(false)
    expect(calls[1]!.upstreamRefresh).toBe('sealed-2')
  })

  it('keeps the refresh token good when Keycloak cannot be reached, so that the client can try again', async () => {
    let down = true
    const { sessions } = setup(async (s) => (down ? { ok: false, kind: 'unavailable', reason: 'timeout' } : { ok: true, seed: s }))
    const first = await sessions.start(seed)
    expect(await sessions.refresh(first.refreshToken)).toMatchObject({ ok: false, error: 'temporarily_unavailable' })
    down = false
    expect((await sessions.refresh(first.refreshToken)).ok).toBe(true)
  })

  it('refuses malformed, unknown and expired refresh tokens', async () => {
    const { sessions, advance } = setup()
    const first = await sessions.start(seed)
    for (const token of ['', 'gwrt_', 'x'.repeat(10_000), first.refreshToken.slice(0, -1) + (first.refreshToken.endsWith('A') ? 'B' : 'A')]) {
      expect(await sessions.refresh(token)).toMatchObject({ ok: false, error: 'invalid_grant' })
    }
    advance(86_400_000 + 1)
    expect(await sessions.refresh(first.refreshToken)).toMatchObject({ ok: false, error: 'invalid_grant' })
  })
})
