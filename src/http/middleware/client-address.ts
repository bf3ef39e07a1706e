// The address a request came from, for the failed-authentication limit. Bun knows it through the
// server that accepted the request; it is looked up only when a credential has to be checked or
// has failed, never on the hot path of a known credential.

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
