// One browser sign-in through the identity provider, from the redirect to the callback, without
// server-side state: state, nonce and the PKCE verifier travel sealed (see ../secret-box.ts) in a
// cookie of the browser that started it, so that any replica can finish it. The callback is
// accepted only from that browser (the cookie), for that request (state, compared in constant
// time), within its lifetime, and with an ID token bound to it (nonce). What the caller attaches
// (`data`: a device grant, a page to return to) comes back only from a completed sign-in.
import { timingSafeEqual } from 'node:crypto'
import type { JWTPayload } from 'jose'
import type { SecretBox } from '../secret-box'
import { type OidcClient, OidcError, type OidcTokens } from './oidc-client'
import { createPkce, randomToken } from './pkce'

export interface StartedSignIn {
  /** Where to send the browser. */
  url: string
  /** The cookie value that finishes it. */
  sealed: string
}

export interface FinishedSignIn<T> {
  data: T
  tokens: OidcTokens
  /** The verified ID token's claims. */
  idClaims: JWTPayload
}

/** Why a callback was refused; each is the caller's 4xx (or 503 for `unavailable`). */
export type SignInFailure =
  | { kind: 'no_transaction' }
  | { kind: 'expired' }
  | { kind: 'state_mismatch' }
  | { kind: 'denied'; error: string }
  | { kind: 'invalid_grant'; message: string }
  | { kind: 'unavailable'; message: string }

/** On failure, `data` is there once the callback is known to belong to the sign-in (its state matched). */
export type SignInResult<T> = { ok: true; value: FinishedSignIn<T> } | { ok: false; failure: SignInFailure; data?: T }

interface Sealed<T> {
  state: string
  nonce: string
  verifier: string
  expiresAt: number
  data: T
}

const PURPOSE = 'oidc-sign-in-transaction'

export interface SignInTransactions<T> {
  start(data: T, scope: string): Promise<StartedSignIn>
  /** `query` is the callback's query string parameters; `sealed` the cookie, if the browser sent one. */
  finish(sealed: string | null, query: URLSearchParams): Promise<SignInResult<T>>
}

export function createSignInTransactions<T>(options: { client: OidcClient; box: SecretBox; ttlMs: number; now?: () => number }): SignInTransactions<T> {
  const { client, box, ttlMs } = options
  const now = options.now ?? Date.now
  const fail = (failure: SignInFailure): SignInResult<T> => ({ ok: false, failure })

  return {
    async start(data, scope) {
      const pkce = createPkce()
      const transaction: Sealed<T> = { state: randomToken(), nonce: randomToken(), verifier: pkce.verifier, expiresAt: now() + ttlMs, data }
      const url = await client.authorizationUrl({ state: transaction.state, nonce: transaction.nonce, codeChallenge: pkce.challenge, scope })
      return { url, sealed: box.seal(JSON.stringify(transaction), PURPOSE) }
    },

    async finish(sealed, query) {
      const opened = sealed === null ? null : box.open(sealed, PURPOSE)
      if (opened === null) return fail({ kind: 'no_transaction' })
      const transaction = JSON.parse(opened) as Sealed<T>
      if (transaction.expiresAt <= now()) return fail({ kind: 'expired' })
      const state = query.get('state') ?? ''
      if (!sameString(state, transaction.state)) return fail({ kind: 'state_mismatch' })
      const failWith = (failure: SignInFailure): SignInResult<T> => ({ ok: false, failure, data: transaction.data })
      const error = query.get('error')
      if (error !== null) return failWith({ kind: 'denied', error: error.slice(0, 64) })
      const code = query.get('code')
      if (code === null || code === '' || code.length > 4096) return failWith({ kind: 'invalid_grant', message: 'the callback carries no authorization code' })
      try {
        const tokens = await client.exchangeCode(code, transaction.verifier)
        if (tokens.idToken === null) return failWith({ kind: 'invalid_grant', message: 'the identity provider returned no ID token (is the openid scope allowed?)' })
        const idClaims = await client.verifyIdToken(tokens.idToken, transaction.nonce)
        return { ok: true, value: { data: transaction.data, tokens, idClaims } }
      } catch (e) {
        if (e instanceof OidcError) return failWith({ kind: e.kind, message: e.message })
        throw e
      }
    },
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
