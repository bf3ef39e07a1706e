// The layering of src/, written down as a rule and checked on every run: each top-level folder may
// import only the folders below it, and no module imports itself back through others. The README's
// "Architecture" section explains the layers; this table is the rule.
import { describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dir, '../src')

/** Top to bottom. A folder may import folders of lower rows; folders of one row do not import each other. */
const LAYERS: string[][] = [
  ['main.ts'],
  ['cli'],
  ['server'],
  ['http'],
  ['proxy'],
  ['routing', 'upstream', 'stores', 'telemetry'],
  // limits/ (per-user limits beside the daily quota) and usage/ (the ledger and the audit log: what
  // was used and done) are decisions with store interfaces of their own, like quota/: beside it, so
  // that none depends on another; the proxy feeds them, only stores/ implement them.
  ['auth', 'quota', 'limits', 'usage'],
  ['config'],
  ['protocol'],
  ['errors', 'logging', 'metrics'],
]

/** Implementations of the stores are chosen by the composition root only: everyone else sees the interfaces in auth/, quota/, limits/ and usage/. */
const ONLY_IMPORTED_BY: Record<string, string[]> = { stores: ['server', 'cli', 'main.ts'] }

const rowOf = new Map<string, number>()
LAYERS.forEach((row, i) => {
  for (const folder of row) rowOf.set(folder, i)
})

export interface ImportEdge {
  from: string
  to: string
}

function sourceFiles(): string[] {
  return [...new Bun.Glob('**/*.ts').scanSync(SRC)].filter((f) => !f.endsWith('.test.ts')).sort()
}

/** Every relative import of a file: static, type-only, dynamic and require(), as paths under src/. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!)
  return specifiers.map((s) => {
    const base = join(dirname(file), s)
    for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
      try {
        readFileSync(join(SRC, candidate))
        return candidate
      } catch {}
    }
    return `${base}.ts`
  })
}

export function topFolder(file: string): string {
  const first = file.split('/')[0]!
  return first.endsWith('.ts') ? first : first
}

/** What is wrong with one import, or null. */
export function layerViolation(from: string, to: string): string | null {
  const a = topFolder(from)
  const b = topFolder(to)
  if (a === b) return null
  const ra = rowOf.get(a)
  const rb = rowOf.get(b)
  if (ra === undefined) return `${from}: folder "${a}" is not in the layer table`
  if (rb === undefined) return `${from} imports ${to}: folder "${b}" is not in the layer table`
  if (rb <= ra) return `${from} imports ${to}: ${b}/ is ${rb === ra ? 'beside' : 'above'} ${a}/`
  const only = ONLY_IMPORTED_BY[b]
  if (only && !only.includes(a)) return `${from} imports ${to}: only ${only.join(', ')} may import ${b}/`
  return null
}

/** Import cycles between files, each as the list of files in one strongly connected component. */
export function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string) => {
    indices.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!))
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort())
    }
  }
  for (const v of edges.keys()) if (!indices.has(v)) visit(v)
  return found
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>()
  for (const file of sourceFiles()) edges.set(file, importsOf(file, readFileSync(join(SRC, file), 'utf8')))
  return edges
}

describe('the layering of src/', () => {
  it('has every import pointing down the layer table', () => {
    const problems: string[] = []
    for (const [from, targets] of graph()) {
      for (const to of targets) {
        const problem = layerViolation(from, to)
        if (problem) problems.push(problem)
      }
    }
    expect(problems).toEqual([])
  })

  it('has no import cycle between modules', () => {
    expect(cycles(graph())).toEqual([])
  })

  it('lets protocol/ import nothing but errors/', () => {
    const outside = [...graph()].flatMap(([from, targets]) => (from.startsWith('protocol/') ? targets.filter((t) => !t.startsWith('protocol/') && !t.startsWith('errors/')).map((t) => `${from} -> ${t}`) : []))
    expect(outside).toEqual([])
  })

  it('has no source comment citing a file outside the repository', () => {
    const outside = sourceFiles().filter((f) => /CONTRACT\.md|\.\.\/shared\//.test(readFileSync(join(SRC, f), 'utf8')))
    expect(outside).toEqual([])
  })

  it('refuses an upward import, a sideways one, a store implementation outside the composition root, and a cycle', () => {
    expect(layerViolation('protocol/convert/x.ts', 'proxy/create-proxy.ts')).toContain('above')
    expect(layerViolation('auth/x.ts', 'quota/quota-service.ts')).toContain('beside')
    expect(layerViolation('proxy/x.ts', 'stores/open-stores.ts')).toContain('only server')
    expect(layerViolation('server/x.ts', 'stores/open-stores.ts')).toBeNull()
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts']])
    expect(importsOf('proxy/x.ts', "import type { A } from '../auth/identity'\nconst m = require('./y')\nawait import('../protocol/z')")).toEqual(['auth/identity.ts', 'proxy/y.ts', 'protocol/z.ts'])
  })
})
