// The floor for a Bun proxy that does what the gateway must at least do: parse the JSON body,
// rewrite `model`, forward with fetch, relay the answer (streams untouched). No auth, quota,
// routing or metrics. Run: bun bench/baselines/minimal-bun-proxy.ts PORT UPSTREAM_URL
const port = Number(Bun.argv[2] ?? 0)
const upstream = Bun.argv[3] ?? 'http://127.0.0.1:8080'
const server = Bun.serve({
  hostname: '127.0.0.1',
  port,
  async fetch(req) {
    if (req.method !== 'POST') return new Response('ok')
    const body = (await req.json()) as Record<string, unknown>
    body.model = String(body.model)
    const url = new URL(req.url)
    const res = await fetch(upstream + url.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    })
    return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } })
  },
})
console.log(`listening ${server.port}`)

export {}
