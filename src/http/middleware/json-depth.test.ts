import { describe, expect, it } from 'bun:test'
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth'

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let v = leaf
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

describe('nestedDeeperThan', () => {
  it('lets a body as deep as the limit through and refuses one level more', () => {
    expect(nestedDeeperThan(nest(MAX_JSON_DEPTH))).toBe(false)
    expect(nestedDeeperThan(nest(MAX_JSON_DEPTH + 1))).toBe(true)
  })

  it('walks a body nested 100,000 deep without recursion, quickly', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    const started = performance.now()
    expect(nestedDeeperThan(deep)).toBe(true)
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('counts depth, not size: wide bodies pass', () => {
    expect(nestedDeeperThan({ messages: Array.from({ length: 10_000 }, () => ({ role: 'user', content: [{ type: 'text', text: 'x' }] })) })).toBe(false)
  })
})
