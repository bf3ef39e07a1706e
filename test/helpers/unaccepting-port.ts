// A port on 127.0.0.1 that never completes a TCP connection: a listening socket whose accept queue
// is full and never drained, so the kernel drops further SYNs and a connect waits, as it does to a
// host that is down behind a firewall. Bun cannot set a listen backlog, so a small Python process
// holds it (python3 is on every machine the suite runs on: the SDK tests need it).

export interface UnacceptingPort {
  port: number
  url: string
  stop(): void
}

const SCRIPT = `
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    fill.append(c)
print(port, flush=True)
sys.stdin.read()
`

export async function startUnacceptingPort(): Promise<UnacceptingPort> {
  const proc = Bun.spawn(['python3', '-c', SCRIPT], { stdin: 'pipe', stdout: 'pipe', stderr: 'ignore' })
  const reader = proc.stdout.getReader()
  let text = ''
  const deadline = Date.now() + 10_000
  while (!text.includes('\n') && Date.now() < deadline) {
    const { done, value } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const port = Number(text.trim())
  if (!Number.isInteger(port) || port <= 0) {
    proc.kill()
    throw new Error('the unaccepting port helper did not start')
  }
  // Closing its stdin ends the helper.
  return { port, url: `http://127.0.0.1:${port}`, stop: () => void proc.stdin.end() }
}
