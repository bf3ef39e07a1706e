// A TCP relay on 127.0.0.1 in front of a real server (Keycloak), which a test can cut and restore:
// the server itself keeps running, but whoever reaches it through the relay finds nothing there,
// as when a network path or a load balancer goes away. Bytes pass unchanged both ways.
import type { Socket, TCPSocketListener } from 'bun'

export interface TcpRelay {
  url: string
  port: number
  /** Closes every relayed connection and stops listening: connections are refused. */
  cut(): void
  /** Listens again on the same port. */
  restore(): void
  stop(): void
}

interface Pair {
  upstream: Socket<undefined> | null
  pending: Uint8Array[]
}

export function startTcpRelay(targetPort: number): TcpRelay {
  const open = new Set<Socket<Pair>>()
  let listener: TCPSocketListener<Pair> | null = null
  let port = 0

  function listen(): void {
    listener = Bun.listen<Pair>({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(client) {
          open.add(client)
          client.data = { upstream: null, pending: [] }
          void Bun.connect<undefined>({
            hostname: '127.0.0.1',
            port: targetPort,
            socket: {
              open(upstream) {
                client.data.upstream = upstream
                for (const chunk of client.data.pending) upstream.write(chunk)
                client.data.pending = []
              },
              data: (_upstream, chunk) => void client.write(chunk),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          }).catch(() => void client.end())
        },
        data(client, chunk) {
          if (client.data.upstream) client.data.upstream.write(chunk)
          else client.data.pending.push(new Uint8Array(chunk))
        },
        close(client) {
          open.delete(client)
          client.data.upstream?.end()
        },
        error(client) {
          open.delete(client)
          client.data.upstream?.end()
        },
      },
    })
    port = listener.port
  }

  function cut(): void {
    listener?.stop(true)
    listener = null
    for (const client of open) {
      client.data.upstream?.end()
      client.end()
    }
    open.clear()
  }

  listen()
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut,
    restore: () => {
      if (listener === null) listen()
    },
    stop: cut,
  }
}
