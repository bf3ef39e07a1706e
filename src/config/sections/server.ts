// The `server` section: where the gateway listens, how large a request body may be, and how long
// a shutdown waits for open requests and streams.

import type { ServerConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { int, type Problems, type Raw, str } from '../field-readers'

/** The smallest server.max_body_bytes accepted. */
const MIN_BODY_BYTES = 1024

export function normalizeServer(server: Raw, p: Problems): ServerConfig {
  const d = DEFAULTS.server
  return {
    host: str(server, 'host', 'server.host', p, d.host),
    port: int(server, 'port', 'server.port', p, d.port, 0),
    max_body_bytes: int(server, 'max_body_bytes', 'server.max_body_bytes', p, d.max_body_bytes, MIN_BODY_BYTES),
    drain_timeout_s: int(server, 'drain_timeout_s', 'server.drain_timeout_s', p, d.drain_timeout_s, 0),
  }
}
