// Summarises a .cpuprofile (Chrome DevTools format, as `bun --cpu-prof` writes it): the functions
// with the most self time, and the most inclusive time, as shares of all samples.
// Run: bun bench/cpuprofile-top.ts FILE.cpuprofile [N]
const file = Bun.argv[2]!
const top = Number(Bun.argv[3] ?? 25)
const prof = (await Bun.file(file).json()) as {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]
  samples: number[]
}
const byId = new Map(prof.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (id: number) => {
  const f = byId.get(id)!.callFrame
  const url = f.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')
  return `${f.functionName || '(anonymous)'} ${url}${url ? `:${f.lineNumber + 1}` : ''}`
}
const self = new Map<string, number>()
const incl = new Map<string, number>()
let total = 0
for (const s of prof.samples) {
  total++
  const l = label(s)
  self.set(l, (self.get(l) ?? 0) + 1)
  const seen = new Set<string>()
  for (let id: number | undefined = s; id !== undefined; id = parent.get(id)) {
    const k = label(id)
    if (seen.has(k)) continue
    seen.add(k)
    incl.set(k, (incl.get(k) ?? 0) + 1)
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n## ${title} (${total} samples)`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
}
show('self time', self)
show('inclusive time', incl)

export {}
