// Streaming load client for the benchmarks (wrk cannot see time to first byte of a body or hold
// streams open). Prints one JSON line with the results.
//
//   bun bench/stream-client.ts ttfb  URL BODYFILE HEADERS SECONDS
//       one stream at a time for SECONDS: time to first body byte and to the end, p50/p99 (µs)
//   bun bench/stream-client.ts relay URL BODYFILE HEADERS SECONDS CONCURRENCY
//       CONCURRENCY loops reading whole streams: streams/s, MB/s, p50/p99 stream duration
//   bun bench/stream-client.ts open  URL BODYFILE HEADERS COUNT HOLD_SECONDS
//       opens COUNT streams at once and reads them slowly to the end; prints `ready` on stderr once
//       all have sent their first byte (the caller samples the server's memory then), and the
//       number that got a first byte and completed
//
// HEADERS is "name: value|name: value". Run with BUN_CONFIG_MAX_HTTP_REQUESTS above COUNT.
const [mode, url, bodyFile, headerSpec, a, b] = Bun.argv.slice(2) as [string, string, string, string, string, string]
const body = await Bun.file(bodyFile).text()
const headers: Record<string, string> = { 'content-type': 'application/json' }
for (const h of (headerSpec ?? '').split('|')) {
  const i = h.indexOf(':')
  if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim()
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

interface One {
  ok: boolean
  ttfbUs: number
  totalUs: number
  bytes: number
}

async function one(): Promise<One> {
  const t0 = performance.now()
  let ttfb = 0
  let bytes = 0
  try {
    const res = await fetch(url, { method: 'POST', headers, body })
    const reader = res.body!.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!ttfb) ttfb = performance.now()
      bytes += value.byteLength
    }
    return { ok: res.status === 200 && bytes > 0, ttfbUs: (ttfb - t0) * 1000, totalUs: (performance.now() - t0) * 1000, bytes }
  } catch {
    return { ok: false, ttfbUs: 0, totalUs: 0, bytes }
  }
}

if (mode === 'ttfb' || mode === 'relay') {
  const seconds = Number(a)
  const concurrency = mode === 'ttfb' ? 1 : Number(b)
  // warm-up: open connections, JIT
  await Promise.all(Array.from({ length: concurrency }, () => one()))
  const results: One[] = []
  const t0 = performance.now()
  const deadline = t0 + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) results.push(await one())
    }),
  )
  const wall = (performance.now() - t0) / 1000
  const ok = results.filter((r) => r.ok)
  const bytes = ok.reduce((n, r) => n + r.bytes, 0)
  console.log(
    JSON.stringify({
      streams: ok.length,
      errors: results.length - ok.length,
      streams_per_s: ok.length / wall,
      mb_per_s: bytes / wall / 1e6,
      bytes_per_stream: ok.length ? bytes / ok.length : 0,
      ttfb_p50_us: pct(ok.map((r) => r.ttfbUs), 50),
      ttfb_p99_us: pct(ok.map((r) => r.ttfbUs), 99),
      total_p50_us: pct(ok.map((r) => r.totalUs), 50),
      total_p99_us: pct(ok.map((r) => r.totalUs), 99),
    }),
  )
} else if (mode === 'open') {
  const count = Number(a)
  const holdSeconds = Number(b)
  let first = 0
  let completed = 0
  let failed = 0
  let readySent = false
  const start = performance.now()
  const tasks = Array.from({ length: count }, async () => {
    try {
      const res = await fetch(url, { method: 'POST', headers, body })
      const reader = res.body!.getReader()
      let gotFirst = false
      for (;;) {
        const { done } = await reader.read()
        if (done) break
        if (!gotFirst) {
          gotFirst = true
          if (++first === count && !readySent) {
            readySent = true
            console.error(`ready ${Math.round(performance.now() - start)}`)
          }
        }
      }
      if (res.status === 200 && gotFirst) completed++
      else failed++
    } catch {
      failed++
    }
  })
  const timer = setTimeout(() => {
    if (!readySent) console.error(`not-ready ${first}`)
  }, holdSeconds * 1000)
  await Promise.all(tasks)
  clearTimeout(timer)
  console.log(JSON.stringify({ opened: first, completed, failed, all_open_ms: readySent ? null : null }))
} else {
  console.error('usage: stream-client.ts ttfb|relay|open ...')
  process.exit(2)
}

export {}
