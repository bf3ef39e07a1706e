import { describe, expect, it } from 'bun:test'
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { GatewayError } from '../../errors/gateway-error'
import { deriveSessionKeys } from './session-keys'
import { createSessionTokens } from './session-tokens'

const ISSUER = 'https://gateway.test'
const subject = { user: 'kc-sub-1', name: 'alice', tier: 'pro', sessionId: 'sess-1' }

function tokens(secret = 'secret-one-that-is-long-enough-0123456789', now = () => 1_700_000_000_000, issuer = ISSUER) {
  const keys = deriveSessionKeys(secret)
  return { keys, tokens: createSessionTokens({ keys: async () => keys, issuer, ttlS: 3600, now }) }
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(401)
    return (error as GatewayError).message
  }
  throw new Error('expected a 401')
}

describe('the access tokens the gateway mints', () => {
  it('are HS256 JWTs for the public URL, naming user, tier and session, for an hour', async () => {
    const { tokens: t, keys } = tokens()
    const token = await t.mint(subject)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: keys.keyId })
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ iss: ISSUER, aud: ISSUER, sub: 'kc-sub-1', tier: 'pro', sid: 'sess-1', name: 'alice' })
    expect(claims.exp! - claims.iat!).toBe(3600)
    expect(await t.verify(token)).toEqual({ user: 'kc-sub-1', tier: 'pro', name: 'alice', source: 'gateway-session' })
  })

  it('refuses a token of another gateway (another key), an expired one and a tampered one', async () => {
    let t = 1_700_000_000_000
    const mine = tokens('secret-one-that-is-long-enough-0123456789', () => t).tokens
    const theirs = tokens('secret-two-that-is-long-enough-9876543210', () => t).tokens
    expect(await refusal(mine.verify(await theirs.mint(subject)))).toBe('invalid token signature')

    const token = await mine.mint(subject)
    const [h, p, s] = token.split('.') as [string, string, string]
    const raised = Buffer.from(JSON.stringify({ ...decodeJwt(token), tier: 'enterprise' })).toString('base64url')
    expect(await refusal(mine.verify(`${h}.${raised}.${s}`))).toBe('invalid token signature')

    // Verified once (and remembered), then past its expiry: refused all the same.
    expect((await mine.verify(token)).tier).toBe('pro')
    t += 3601_000
    expect(await refusal(mine.verify(token))).toBe('token expired')
  })

  it('refuses a token for another issuer, alg none and a symmetric token signed with the public URL', async () => {
    const { tokens: mine } = tokens()
    const other = tokens(undefined, undefined, 'https://elsewhere.test').tokens
    expect(await refusal(mine.verify(await other.mint(subject)))).toBe('invalid token')
    const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: ISSUER, sub: 'x', tier: 'enterprise', sid: 's', exp: 2e9 })).toString('base64url')
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`
    expect(await refusal(mine.verify(none))).toBe('invalid token')
    const guessed = await new SignJWT({ tier: 'enterprise', sid: 's' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setIssuer(ISSUER).setAudience(ISSUER).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode(ISSUER))
    expect(await refusal(mine.verify(guessed))).toBe('invalid token signature')
  })
})
