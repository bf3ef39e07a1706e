// Whether a TCP connection to an endpoint can be made within a time limit. fetch() has no connect
// timeout of its own (nor does its idle timeout cover the connect), so a request through it that has
// no answer after connect_s asks this of its endpoint: one that cannot even be connected to is
// unreachable (its failure, which another endpoint may take), while one that connects is just slow
// to answer (first_byte_s decides).

const cache = new Map<string, { hostname: string; port: number } | null>()

function originOf(url: string): { hostname: string; port: number } | null {
  let origin = cache.get(url)
  if (origin !== undefined) return origin
  try {
    const u = new URL(url)
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
    origin = { hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 }
  } catch {
    origin = null
  }
  if (cache.size < 1000) cache.set(url, origin)
  return origin
}

export function canConnect(baseUrl: string, withinMs: number): Promise<boolean> {
  const origin = originOf(baseUrl)
  if (!origin) return Promise.resolve(true)
  return new Promise<boolean>((resolve) => {
    let settled = false
    const settle = (ok: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(ok)
    }
    const timer = setTimeout(() => settle(false), withinMs)
    Bun.connect({ hostname: origin.hostname, port: origin.port, socket: { data() {}, connectError: () => settle(false), error() {} } }).then(
      (socket) => {
        // Connected (late or not): the socket was only a question.
        if (settled) socket.terminate()
        else socket.end()
        settle(true)
      },
      () => settle(false),
    )
  })
}
