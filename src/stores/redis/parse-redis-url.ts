// Reads a Redis/Valkey URL into what ioredis needs, without opening a connection.
//
// Accepted forms:
//   redis://[[user]:password@]host[:port][/db]      one server (port 6379 by default)
//   rediss://...                                    the same over TLS
//   redis+cluster://[[user]:password@]host:port,host:port,...   Redis Cluster: the seed nodes
//   rediss+cluster://...                            Redis Cluster over TLS
// The cluster form is a scheme rather than a query flag so that a URL says what it is at a
// glance and a standalone URL can never be mistaken for a cluster one. Credentials are
// percent-decoded. Error messages never repeat the URL, which may hold a password.

export interface RedisNodeAddress {
  host: string
  port: number
}

export type ParsedRedisUrl =
  | { kind: 'standalone'; url: string; tls: boolean }
  | {
      kind: 'cluster'
      nodes: RedisNodeAddress[]
      tls: boolean
      username: string | undefined
      password: string | undefined
    }

const DEFAULT_PORT = 6379

function parseHostPort(text: string): RedisNodeAddress {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end === -1) throw new Error('Redis cluster URL: unterminated IPv6 address')
    host = text.slice(1, end)
    const rest = text.slice(end + 1)
    if (rest !== '' && !rest.startsWith(':')) throw new Error('Redis cluster URL: malformed node address')
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    host = colon === -1 ? text : text.slice(0, colon)
    portText = colon === -1 ? undefined : text.slice(colon + 1)
  }
  if (host === '') throw new Error('Redis cluster URL: a node has no host')
  const port = portText === undefined || portText === '' ? DEFAULT_PORT : Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('Redis cluster URL: a node has an invalid port')
  return { host, port }
}

function decodeCredential(text: string): string | undefined {
  if (text === '') return undefined
  try {
    return decodeURIComponent(text)
  } catch {
    throw new Error('Redis URL: credentials are not valid percent-encoding')
  }
}

export function parseRedisUrl(url: string): ParsedRedisUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url.trim())
  if (!match) throw new Error('Redis URL must start with redis://, rediss://, redis+cluster:// or rediss+cluster://')
  const scheme = (match[1] ?? '').toLowerCase()
  const rest = match[2] ?? ''
  switch (scheme) {
    case 'redis':
    case 'rediss': {
      if (rest === '' || rest.startsWith('/')) throw new Error('Redis URL has no host')
      return { kind: 'standalone', url: url.trim(), tls: scheme === 'rediss' }
    }
    case 'redis+cluster':
    case 'rediss+cluster': {
      const at = rest.lastIndexOf('@')
      const credentials = at === -1 ? '' : rest.slice(0, at)
      const afterCredentials = at === -1 ? rest : rest.slice(at + 1)
      const hostList = afterCredentials.split(/[/?#]/, 1)[0] ?? ''
      const colon = credentials.indexOf(':')
      const username = decodeCredential(colon === -1 ? credentials : credentials.slice(0, colon))
      const password = colon === -1 ? undefined : decodeCredential(credentials.slice(colon + 1))
      const nodes = hostList.split(',').filter((node) => node !== '').map(parseHostPort)
      if (nodes.length === 0) throw new Error('Redis cluster URL lists no nodes')
      return { kind: 'cluster', nodes, tls: scheme === 'rediss+cluster', username, password }
    }
    default:
      throw new Error(
        `unsupported Redis URL scheme "${scheme}:" (expected redis://, rediss://, redis+cluster:// or rediss+cluster://)`,
      )
  }
}
