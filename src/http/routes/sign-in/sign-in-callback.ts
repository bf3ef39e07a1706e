// GET /oauth/callback, where Keycloak sends the browser back after every browser sign-in through
// the gateway (the one redirect URI the operator registers): it opens the transaction from the
// browser's cookie, checks state, exchanges the code with the PKCE verifier and verifies the ID
// token (../../../auth/oidc/sign-in-transaction.ts), then hands the result to what the sign-in was
// started for: a device code to approve, or a console session to open. A refused callback changes
// nothing and says where to start again; the transaction cookie is cleared either way.
import { Elysia } from 'elysia'
import { OidcError } from '../../../auth/oidc/oidc-client'
import type { FinishedSignIn, SignInFailure } from '../../../auth/oidc/sign-in-transaction'
import type { BrowserSignIn, ConsoleSignIn, DeviceSignIn, SignIn } from '../../../auth/sessions/create-sign-in'
import type { Logger } from '../../../logging/logger'
import type { BrowserPages } from './browser-pages'
import { messagePage } from './sign-in-page-html'

/** The end of a browser sign-in started for one purpose. */
export interface SignInFinisher<T extends BrowserSignIn> {
  /** Where to start again, said on a refusal once the callback is known to be this sign-in's. */
  restart: { message: string; link?: { href: string; text: string } }
  /** Throws OidcError when Keycloak's tokens do not do (refused) or it cannot be asked (unavailable). */
  finish(request: Request, data: T, finished: FinishedSignIn<BrowserSignIn>): Promise<Response>
  /** The developer said no at Keycloak. */
  denied?(data: T): Promise<void>
}

export interface SignInCallbackDeps {
  signIn: SignIn
  pages: BrowserPages
  log: Logger
  finishers: { device: SignInFinisher<DeviceSignIn>; console: SignInFinisher<ConsoleSignIn> }
}

const UNKNOWN_RESTART = { message: 'Start again where you began: your terminal, or the console.' }

/** A transaction sealed by a gateway that knew only device sign-ins has no purpose: it is one. */
function withPurpose(data: BrowserSignIn | Omit<DeviceSignIn, 'purpose'>): BrowserSignIn {
  return 'purpose' in data ? data : { ...data, purpose: 'device' }
}

export function signInCallbackRoute(deps: SignInCallbackDeps) {
  const { signIn, pages, log, finishers } = deps
  const { page } = pages

  function failurePage(failure: SignInFailure, restart: SignInFinisher<BrowserSignIn>['restart']): Response {
    const say = (status: number, title: string, message: string) => page(status, messagePage(title, `${message} ${restart.message}`, restart.link))
    switch (failure.kind) {
      case 'no_transaction':
        return say(400, 'No sign-in in progress', 'This browser has not started a sign-in here (or its cookie is gone).')
      case 'expired':
        return say(400, 'Sign-in expired', 'This sign-in took too long.')
      case 'state_mismatch':
        return say(400, 'Sign-in refused', 'The answer from the identity provider does not belong to this sign-in.')
      case 'denied':
        return say(400, 'Sign-in cancelled', 'The identity provider did not sign you in.')
      case 'invalid_grant':
        return say(400, 'Sign-in refused', 'The identity provider’s answer could not be verified.')
      case 'unavailable':
        return say(503, 'Identity provider unavailable', 'The identity provider cannot be reached right now; try again in a moment.')
      default: {
        const never_: never = failure
        throw new Error(`unknown sign-in failure ${JSON.stringify(never_)}`)
      }
    }
  }

  async function finish(request: Request, finished: FinishedSignIn<BrowserSignIn>): Promise<Response> {
    const data = withPurpose(finished.data)
    const restart = finishers[data.purpose].restart
    try {
      switch (data.purpose) {
        case 'device':
          return await finishers.device.finish(request, data, finished)
        case 'console':
          return await finishers.console.finish(request, data, finished)
        default: {
          const never_: never = data
          throw new Error(`unknown sign-in purpose ${JSON.stringify(never_)}`)
        }
      }
    } catch (error) {
      if (!(error instanceof OidcError)) throw error
      log.warn('sign-in callback refused', { reason: error.kind, detail: error.message })
      return page(error.kind === 'unavailable' ? 503 : 400, messagePage('Sign-in refused', `${error.message}. ${restart.message}`, restart.link))
    }
  }

  async function callback(request: Request): Promise<Response> {
    // Each callback may cost a call to Keycloak: counted like form submissions, per address.
    const limited = pages.overLimit(request)
    if (limited) return limited
    const query = new URL(request.url).searchParams
    const result = await (await signIn.transactions()).finish(pages.cookie.read(request), query)
    let answer: Response
    if (result.ok) answer = await finish(request, result.value)
    else {
      log.warn('sign-in callback refused', { reason: result.failure.kind, ...('message' in result.failure ? { detail: result.failure.message } : {}) })
      const data = result.data === undefined ? null : withPurpose(result.data)
      answer = failurePage(result.failure, data === null ? UNKNOWN_RESTART : finishers[data.purpose].restart)
      if (result.failure.kind === 'denied' && data?.purpose === 'device') await finishers.device.denied?.(data)
    }
    answer.headers.append('set-cookie', pages.cookie.clear())
    return answer
  }

  return new Elysia({ name: 'sign-in-callback' }).get('/oauth/callback', ({ request }) => pages.guarded(() => callback(request)), {
    detail: { summary: 'Identity provider callback of browser sign-ins (device and console)', tags: ['Sign-in'] },
  })
}
