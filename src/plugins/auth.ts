// Authenticates each request once, however many hooks ask: the body parser asks first (so that a
// caller without a valid credential gets 401 before the gateway reads a large body), then the
// route's derive. The authenticator itself lives in src/auth and knows nothing of Elysia.
import type { Identity } from '../auth/identity'

export type Authenticate = (headers: Headers) => Promise<Identity>

export function createIdentityResolver(authenticate: Authenticate) {
  const memo = new WeakMap<Request, Promise<Identity>>()
  return function identityOf(request: Request): Promise<Identity> {
    let pending = memo.get(request)
    if (!pending) {
      pending = authenticate(request.headers)
      memo.set(request, pending)
    }
    return pending
  }
}

export type IdentityResolver = ReturnType<typeof createIdentityResolver>
