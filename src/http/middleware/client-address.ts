// The address a request came from, as the listening socket saw it: for the failed-authentication
// limit and the per-address limits of sign-in. Bun knows it through the server that accepted the
// request, which is remembered when the request is handed over; the address itself is looked up
// only when a limit needs it, never on the hot path of a known credential. Headers a client can
// write (X-Forwarded-For) are never taken: they would let a client pick its own bucket.

export interface AddressSource {
  requestIP(request: Request): { address: string } | null
}

/** The server that accepted a request, and the request it accepted (the only one it knows the address of). */
const servers = new WeakMap<Request, { server: AddressSource; accepted: Request }>()

/**
 * Remembers which server accepted a request that Elysia will route (its handlers get only the
 * request). `accepted`: the request as the server handed it over, when `request` is another made
 * from it (a new URL, a watched body): the server knows the address of that one only.
 */
export function rememberServer(request: Request, server: AddressSource | undefined, accepted: Request = request): void {
  if (server) servers.set(request, { server, accepted })
}

/** A function giving the request's client address ('unknown' when no server said). */
export function addressOf(request: Request, server?: AddressSource): () => string {
  if (server) return () => server.requestIP(request)?.address ?? 'unknown'
  return () => clientAddress(request)
}

/** The peer address, or `unknown` for a request that did not come through a socket (tests). */
export function clientAddress(request: Request): string {
  const known = servers.get(request)
  return known?.server.requestIP(known.accepted)?.address ?? 'unknown'
}
