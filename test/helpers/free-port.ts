// Finds a free TCP port on loopback by letting the kernel pick one.
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** `count` different free ports (for servers started together, each on its own). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>()
  for (let attempt = 0; ports.size < count && attempt < count * 10; attempt++) ports.add(await freePort())
  if (ports.size < count) throw new Error(`could not find ${count} free ports`)
  return [...ports]
}
