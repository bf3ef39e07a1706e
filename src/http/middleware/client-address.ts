// The address a request came from, as the listening socket saw it, for limits per client address
// (sign-in attempts). Recorded when the server hands the request over, read by any route. Headers
// a client can write (X-Forwarded-For) are never taken: they would let a client pick its own bucket.
const addresses = new WeakMap<Request, string>()

export interface AddressSource {
  requestIP(request: Request): { address: string } | null
}

export function rememberClientAddress(request: Request, server: AddressSource | undefined): void {
  const address = server?.requestIP(request)?.address
  if (address) addresses.set(request, address)
}

/** The peer address, or `unknown` for a request that did not come through a socket (tests). */
export function clientAddress(request: Request): string {
  return addresses.get(request) ?? 'unknown'
}
