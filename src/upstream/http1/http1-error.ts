// The one error type of the HTTP/1.1 client: every failure of an exchange (connect, protocol,
// early close, timeouts) is an Http1Error, so callers map it to a gateway error by `kind` and log
// it by `code` without knowing which layer of the client noticed.

export type Http1ErrorKind = 'connect' | 'protocol' | 'closed' | 'first-byte-timeout' | 'idle-timeout'

/** A failure of the exchange; `code` names it for logs and error messages. */
export class Http1Error extends Error {
  constructor(
    readonly kind: Http1ErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message)
    // The relay tells a silent upstream from a broken one by this name, as it does for fetch().
    this.name = kind === 'idle-timeout' || kind === 'first-byte-timeout' ? 'TimeoutError' : 'Http1Error'
  }
}
