import { describe, expect, it } from 'bun:test'
import { Problems, int, limit, section, str, stringList, validUrl } from './field-readers'

const problems = () => new Problems('c.yaml')

describe('field readers', () => {
  it('read an integer from a number or a string of digits, and report anything else with the path and the value', () => {
    const p = problems()
    expect(int({ a: 7, b: ' 12 ' }, 'a', 'x.a', p, 1)).toBe(7)
    expect(int({ b: ' 12 ' }, 'b', 'x.b', p, 1)).toBe(12)
    expect(int({}, 'c', 'x.c', p, 5)).toBe(5)
    expect(p.list).toEqual([])
    expect(int({ d: 0 }, 'd', 'x.d', p, 5, 1)).toBe(5)
    expect(int({ e: 'eighty' }, 'e', 'x.e', p, 5)).toBe(5)
    expect(int({ f: 1.5 }, 'f', 'x.f', p, 5)).toBe(5)
    expect(p.list).toEqual(['c.yaml: x.d: must be an integer >= 1, got 0', 'c.yaml: x.e: must be an integer >= 0, got "eighty"', 'c.yaml: x.f: must be an integer >= 0, got 1.5'])
  })

  it('read a limit as unlimited when absent or null, and as an integer otherwise', () => {
    const p = problems()
    expect(limit({}, 'n', 'n', p, null)).toBeNull()
    expect(limit({ n: null }, 'n', 'n', p, 10)).toBeNull()
    expect(limit({ n: '7' }, 'n', 'n', p, null)).toBe(7)
    expect(limit({ n: -1 }, 'n', 't.n', p, null)).toBe(0)
    expect(p.list).toEqual(['c.yaml: t.n: must be an integer >= 0, got -1'])
  })

  it('take a number or boolean as its text, empty as absent, and refuse a list where a string belongs', () => {
    const p = problems()
    expect(str({ a: 5, b: true, c: '' }, 'a', 'a', p, null)).toBe('5')
    expect(str({ b: true }, 'b', 'b', p, null)).toBe('true')
    expect(str({ c: '' }, 'c', 'c', p, 'fallback')).toBe('fallback')
    expect(str({ d: ['x'] }, 'd', 's.d', p, 'fallback')).toBe('fallback')
    expect(p.list).toEqual(['c.yaml: s.d: must be a string'])
  })

  it('read a list from an array of strings or a comma-separated string', () => {
    const p = problems()
    expect(stringList('a, b,,c ', 'l', p)).toEqual(['a', 'b', 'c'])
    expect(stringList(['x'], 'l', p)).toEqual(['x'])
    expect(stringList(null, 'l', p)).toEqual([])
    expect(stringList([1], 'm.l', p)).toEqual([])
    expect(p.list).toEqual(['c.yaml: m.l: must be a list of strings'])
  })

  it('take a missing section as empty and report one that is not a mapping', () => {
    const p = problems()
    expect(section({ s: null }, 's', p)).toEqual({})
    expect(section({ s: { a: 1 } }, 's', p)).toEqual({ a: 1 })
    expect(section({ s: [1] }, 's', p, 'top.s')).toEqual({})
    expect(p.list).toEqual(['c.yaml: top.s: must be a mapping'])
  })

  it('accept only http(s) URLs and never repeat the credentials of a refused one', () => {
    const p = problems()
    expect(validUrl('https://h/v1', 'u', p)).toBe(true)
    expect(validUrl('ftp://user:TOP/SECRET@h/v1', 'u', p)).toBe(false)
    expect(validUrl('user:SECRET@h', 'v', p)).toBe(false)
    expect(p.list).toEqual(['c.yaml: u: must be an http(s) URL, got "ftp://…@h/v1"', 'c.yaml: v: must be an http(s) URL, got "…@h"'])
  })
})
