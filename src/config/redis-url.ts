// The grammar of `store.redis_url` (QUOTA_REDIS_URL): what an operator may write, read into plain
// data. It lives with the configuration so that `check-config` refuses exactly what `serve` could
// not connect to; src/stores/redis/ turns the result into client options.
//
//   redis://[[user]:password@]host[:port][/db]                      one server (port 6379)
//   redis+cluster://[[user]:password@]host:port[,host:port...]      Redis Cluster: seed nodes
//   redis+sentinel://[[user]:password@]host:port[,host:port...]/<master name>[?db=N]
//                                                                   Sentinel: the Sentinels (port 26379)
// `rediss` for TLS (with Sentinel, to the Sentinels and the data nodes alike). `valkey` and
// `valkeys` are aliases of `redis` and `rediss` in every form, because Valkey users write them.
//
// The userinfo is the data nodes' login. Sentinels are often protected apart from the data nodes
// (or not at all), and a URL has one userinfo, so a Sentinel's own login goes in the query:
// `?sentinel_password=...` (and `sentinel_username=...`), the names redis-rb and Python's
// redis+sentinel URLs use. It is never copied from the userinfo: sending a password to a Sentinel
// that has none fails the connection, and sending the data nodes' one where it is not needed
// spreads a secret. Credentials are percent-decoded. Messages never repeat the URL, which may hold
// a password.

export interface RedisNodeAddress {
  host: string
  port: number
}

export interface RedisLogin {
  username: string | undefined
  password: string | undefined
}

export type RedisUrl =
  | ({ kind: 'standalone'; tls: boolean; host: string; port: number; db: number } & RedisLogin)
  | ({ kind: 'cluster'; tls: boolean; nodes: RedisNodeAddress[] } & RedisLogin)
  | ({
      kind: 'sentinel'
      tls: boolean
      sentinels: RedisNodeAddress[]
      masterName: string
      db: number
      sentinelUsername: string | undefined
      sentinelPassword: string | undefined
    } & RedisLogin)

export const REDIS_URL_FORMS = 'redis://, rediss://, redis+cluster://, rediss+cluster://, redis+sentinel:// or rediss+sentinel:// (valkey in place of redis)'

const REDIS_PORT = 6379
const SENTINEL_PORT = 26379

type Kind = RedisUrl['kind']

function schemeOf(scheme: string): { kind: Kind; tls: boolean } | null {
  const match = /^(redis|rediss|valkey|valkeys)(?:\+(cluster|sentinel))?$/.exec(scheme)
  if (!match) return null
  const tls = match[1] === 'rediss' || match[1] === 'valkeys'
  const kind: Kind = match[2] === 'cluster' ? 'cluster' : match[2] === 'sentinel' ? 'sentinel' : 'standalone'
  return { kind, tls }
}

function parseHostPort(text: string, defaultPort: number, what: string): RedisNodeAddress {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end === -1) throw new Error(`${what}: unterminated IPv6 address`)
    host = text.slice(1, end)
    const rest = text.slice(end + 1)
    if (rest !== '' && !rest.startsWith(':')) throw new Error(`${what}: malformed node address`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    host = colon === -1 ? text : text.slice(0, colon)
    portText = colon === -1 ? undefined : text.slice(colon + 1)
  }
  if (host === '') throw new Error(`${what}: a node has no host`)
  if (/[\s@/?#]/.test(host)) throw new Error(`${what}: a node has a malformed host`)
  const port = portText === undefined || portText === '' ? defaultPort : /^\d+$/.test(portText) ? Number(portText) : Number.NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: a node has an invalid port`)
  return { host, port }
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new Error(`${what} is not valid percent-encoding`)
  }
}

function login(userinfo: string): RedisLogin {
  if (userinfo === '') return { username: undefined, password: undefined }
  const colon = userinfo.indexOf(':')
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const pass = colon === -1 ? '' : userinfo.slice(colon + 1)
  return {
    username: user === '' ? undefined : decode(user, 'Redis URL: the user name'),
    password: pass === '' ? undefined : decode(pass, 'Redis URL: the password'),
  }
}

function parseDb(text: string, what: string): number {
  // The server knows how many databases it has (16 by default); only the form is checked here.
  if (!/^\d{1,7}$/.test(text)) throw new Error(`${what}: the database must be a whole number, e.g. /0`)
  return Number(text)
}

/** Query parameters by name; a parameter given twice is refused rather than guessed. */
function queryOf(text: string, allowed: readonly string[], what: string): Map<string, string> {
  const params = new Map<string, string>()
  if (text === '') return params
  for (const part of text.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = eq === -1 ? part : part.slice(0, eq)
    if (!allowed.includes(name)) {
      const known = allowed.length === 0 ? 'it takes none' : `known: ${allowed.join(', ')}`
      // The name only, never its value, which may be a password.
      throw new Error(`${what}: unknown query parameter ${JSON.stringify(name.slice(0, 40))} (${known})`)
    }
    if (params.has(name)) throw new Error(`${what}: query parameter ${name} is given twice`)
    params.set(name, decode(eq === -1 ? '' : part.slice(eq + 1), `${what}: query parameter ${name}`))
  }
  return params
}

export function readRedisUrl(url: string): RedisUrl {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(url.trim())
  if (!match) throw new Error(`Redis URL must start with ${REDIS_URL_FORMS}`)
  const schemeText = (match[1] ?? '').toLowerCase()
  const scheme = schemeOf(schemeText)
  if (!scheme) throw new Error(`unsupported Redis URL scheme "${schemeText.slice(0, 40)}:" (expected ${REDIS_URL_FORMS})`)
  const rest = match[2] ?? ''
  if (rest.includes('#')) throw new Error('Redis URL: a fragment (#...) has no meaning here; percent-encode a "#" in a password as %23')

  const [beforeQuery = '', queryText = ''] = splitOnce(rest, '?')
  // The query starts at the first "?" (so a "?" in a password is written %3F, and a query value
  // may hold an "@"); the userinfo ends at the last "@" before it, so that a password may hold an
  // unencoded "@" or "/", as generated ones often do.
  const at = beforeQuery.lastIndexOf('@')
  const userinfo = at === -1 ? '' : beforeQuery.slice(0, at)
  const [hostPart = '', path = ''] = splitOnce(at === -1 ? beforeQuery : beforeQuery.slice(at + 1), '/')
  const credentials = login(userinfo)
  const { kind, tls } = scheme

  switch (kind) {
    case 'standalone': {
      const what = 'Redis URL'
      if (hostPart === '') throw new Error(`${what} has no host`)
      if (hostPart.includes(',')) throw new Error(`${what} lists several hosts; use redis+cluster:// or redis+sentinel://`)
      queryOf(queryText, [], what)
      const node = parseHostPort(hostPart, REDIS_PORT, what)
      const db = path === '' ? 0 : parseDb(path, what)
      return { kind, tls, ...node, db, ...credentials }
    }
    case 'cluster': {
      const what = 'Redis cluster URL'
      queryOf(queryText, [], what)
      if (path !== '' && path !== '0') throw new Error(`${what}: a Redis Cluster has only database 0`)
      const nodes = hostPart.split(',').filter((node) => node !== '').map((node) => parseHostPort(node, REDIS_PORT, what))
      if (nodes.length === 0) throw new Error(`${what} lists no nodes`)
      return { kind, tls, nodes, ...credentials }
    }
    case 'sentinel': {
      const what = 'Redis Sentinel URL'
      const sentinels = hostPart.split(',').filter((node) => node !== '').map((node) => parseHostPort(node, SENTINEL_PORT, what))
      if (sentinels.length === 0) throw new Error(`${what} lists no Sentinels`)
      const masterName = decode(path, `${what}: the master name`)
      if (masterName === '') throw new Error(`${what} names no master: add /<master name> after the Sentinels`)
      if (masterName.includes('/')) throw new Error(`${what}: the master name may not contain "/" (the database goes in ?db=N)`)
      const query = queryOf(queryText, ['db', 'sentinel_username', 'sentinel_password'], what)
      const dbText = query.get('db')
      return {
        kind,
        tls,
        sentinels,
        masterName,
        db: dbText === undefined ? 0 : parseDb(dbText, what),
        ...credentials,
        sentinelUsername: query.get('sentinel_username') || undefined,
        sentinelPassword: query.get('sentinel_password') || undefined,
      }
    }
    default: {
      const never_: never = kind
      throw new Error(`unknown Redis URL kind ${String(never_)}`)
    }
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator)
  return i === -1 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)]
}
