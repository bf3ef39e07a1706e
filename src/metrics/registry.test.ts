import { describe, expect, test } from 'bun:test'
import { Counter, Histogram } from './registry'

describe('metric registry', () => {
  test('one series per label set as rendered: a number and its text are the same value', () => {
    const c = new Counter('c_total', 'help')
    c.inc({ status: 200 as unknown as string })
    c.inc({ status: '200' })
    c.inc({ status: '500' })
    expect(c.get({ status: '200' })).toBe(2)
    expect(c.render().match(/c_total\{status="200"\}/g)).toHaveLength(1)
    expect(c.render()).toContain('c_total{status="200"} 2\n')
    expect(c.render()).toContain('c_total{status="500"} 1\n')
  })

  test('escapes label values once and keeps histogram labels from later changes to the caller\'s object', () => {
    const h = new Histogram('h_seconds', 'help', [0.1, 1])
    const labels = { path: 'a"b\\c\nd' }
    h.observe(labels, 0.05)
    labels.path = 'changed'
    h.observe({ path: 'a"b\\c\nd' }, 2)
    const text = h.render()
    expect(text).toContain('h_seconds_bucket{path="a\\"b\\\\c\\nd",le="0.1"} 1\n')
    expect(text).toContain('h_seconds_count{path="a\\"b\\\\c\\nd"} 2\n')
    expect(text).not.toContain('changed')
  })
})
