// The address a request came from, as the listening socket saw it: for the failed-authentication
// limit and the per-address limits of sign-in. Bun knows it through the server that accepted the
// request, which is remembered when the request is handed over; the address itself is looked up
// only when a limit needs it, never on the hot path of a known credential. Headers a client can
// write (X-Forwarded-For) are never taken: they would let a client pick its own bucket.

export interface AddressSource {
  requestIP(request: Request): { address: string } | null
}

const servers = new WeakMap<Request, AddressSource>()

/** Remembers which server accepted a request that Elysia will route (its handlers get only the request). */
export function rememberServer(request: Request, server: AddressSource | undefined): void {
  if (server) servers.set(request, server)
}

/** A function giving the request's client address ('unknown' when no server said). */
export function addressOf(request: Request, server: AddressSource | undefined = servers.get(request)): () => string {
  return () => server?.requestIP(request)?.address ?? 'unknown'
}

/** The peer address, or `unknown` for a request that did not come through a socket (tests). */
export function clientAddress(request: Request): string {
  return servers.get(request)?.requestIP(request)?.address ?? 'unknown'
}
