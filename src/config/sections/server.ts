// The `server` section: where the gateway listens (the API, and /metrics apart from it), how large
// a request body may be and how long it may take to arrive, and how long a shutdown waits for open
// requests and streams.

import type { ServerConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { int, type Problems, type Raw, str } from '../field-readers'

/** The smallest server.max_body_bytes accepted. */
const MIN_BODY_BYTES = 1024

export function normalizeServer(server: Raw, p: Problems): ServerConfig {
  const d = DEFAULTS.server
  const port = int(server, 'port', 'server.port', p, d.port, 0)
  const metricsPort = server.metrics_port === null ? null : int(server, 'metrics_port', 'server.metrics_port', p, d.metrics_port, 0)
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) p.add('server.metrics_port', 'must differ from server.port (null serves /metrics on the API port)')
  return {
    host: str(server, 'host', 'server.host', p, d.host),
    port,
    metrics_port: metricsPort,
    max_body_bytes: int(server, 'max_body_bytes', 'server.max_body_bytes', p, d.max_body_bytes, MIN_BODY_BYTES),
    drain_timeout_s: int(server, 'drain_timeout_s', 'server.drain_timeout_s', p, d.drain_timeout_s, 0),
    body_timeout_s: int(server, 'body_timeout_s', 'server.body_timeout_s', p, d.body_timeout_s, 1),
  }
}
