// The `server` section: where the gateway listens (the API with its TLS certificate, and /metrics
// apart from it), the URL developers reach it at, how large a request body may be and how long it
// may take to arrive, and how long a shutdown waits for open
// requests and streams.

import { existsSync } from 'node:fs'
import type { ServerConfig, TlsConfig } from '../config-types'
import { DEFAULTS } from '../defaults'
import { int, type Problems, type Raw, section, str } from '../field-readers'

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
    public_url: publicUrl(str(server, 'public_url', 'server.public_url', p, null), p),
    tls: tls(section(server, 'tls', p, 'server.tls'), p),
  }
}

/** True for the hosts Claude Code lets a gateway use plain http on. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * An origin, optionally with a path prefix, without a trailing slash. Claude Code refuses plain
 * http for anything but loopback, so a URL it would refuse is a mistake worth saying at start.
 */
function publicUrl(value: string | null, p: Problems): string | null {
  if (value === null) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    p.add('server.public_url', `must be an http(s) URL, got ${JSON.stringify(value)}`)
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') p.add('server.public_url', 'must be an https:// URL')
  else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) p.add('server.public_url', 'must be https:// (Claude Code accepts http:// only on loopback); terminate TLS at an ingress or set server.tls')
  if (url.search || url.hash || url.username || url.password) p.add('server.public_url', 'must have no query, fragment or credentials')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function tls(raw: Raw, p: Problems): TlsConfig | null {
  const cert = str(raw, 'cert_file', 'server.tls.cert_file', p, null)
  const key = str(raw, 'key_file', 'server.tls.key_file', p, null)
  if (cert === null && key === null) return null
  if (cert === null) p.add('server.tls.cert_file', 'is required with server.tls.key_file')
  if (key === null) p.add('server.tls.key_file', 'is required with server.tls.cert_file')
  if (cert !== null && !existsSync(cert)) p.add('server.tls.cert_file', `file not found: ${cert}`)
  if (key !== null && !existsSync(key)) p.add('server.tls.key_file', `file not found: ${key}`)
  return cert !== null && key !== null ? { cert_file: cert, key_file: key } : null
}
