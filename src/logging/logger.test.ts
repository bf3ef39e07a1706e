import { describe, expect, test } from 'bun:test'
import { createLogger } from './logger'

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = []
  return { log: createLogger(level, (line) => lines.push(line)), lines }
}

describe('logger', () => {
  test('writes one JSON object per line, with the fixed keys first and fields as given', () => {
    const { log, lines } = capture()
    log.info('request', { user: 'a"b\\c\nd\u2028', n: 3, skipped: undefined, nested: { ok: true } })
    log.info('plain')
    log.debug('below the level')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line.endsWith('\n')).toBe(true)
    const first = JSON.parse(lines[0]!)
    expect(Object.keys(first)).toEqual(['time', 'level', 'msg', 'user', 'n', 'nested'])
    expect(first).toMatchObject({ level: 'info', msg: 'request', user: 'a"b\\c\nd\u2028', n: 3, nested: { ok: true } })
    expect(new Date(first.time).toISOString()).toBe(first.time)
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'info', msg: 'plain' })
  })

  test('a field named like a fixed key replaces it instead of writing the key twice', () => {
    const { log, lines } = capture()
    log.warn('dup', { level: 'custom', msg: 'other', time: 1, extra: 'x' })
    expect(lines[0]!.match(/"level"/g)).toHaveLength(1)
    expect(lines[0]!.match(/"msg"/g)).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toEqual({ time: 1, level: 'custom', msg: 'other', extra: 'x' })
  })
})
