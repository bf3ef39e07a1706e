import { describe, expect, it } from 'bun:test'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { describeError, installProcessGuards } from './process-guards'

describe('installProcessGuards', () => {
  it('logs an unhandled rejection and an uncaught exception without the secrets their messages quote', () => {
    const lines: { msg: string; error: string }[] = []
    const log = { debug() {}, info() {}, warn() {}, error: (msg: string, f?: Record<string, unknown>) => lines.push({ msg, error: String(f?.error) }), enabled: () => true }
    const events = new EventEmitter()
    installProcessGuards(log, events)
    events.emit('unhandledRejection', new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379 with sk-gw-abcdefghijklmnop'))
    events.emit('uncaughtException', new Error('bad header Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl'))
    expect(lines.map((l) => l.msg)).toEqual([expect.stringContaining('unhandled promise rejection'), expect.stringContaining('uncaught exception')])
    const all = lines.map((l) => l.error).join('\n')
    for (const secret of ['hunter2', 'abcdefghijklmnop', 'eyJzdWIi']) expect(all).not.toContain(secret)
    expect(all).toContain('ECONNREFUSED')
  })

  it('keeps a process with the guards alive after an unhandled rejection', async () => {
    const script = `
      import { installProcessGuards } from ${JSON.stringify(join(import.meta.dir, 'process-guards.ts'))}
      import { createLogger } from ${JSON.stringify(join(import.meta.dir, '../logging/logger.ts'))}
      installProcessGuards(createLogger('info', (l) => process.stdout.write(l)))
      Promise.reject(new Error('nobody handles this'))
      setTimeout(() => { throw new Error('nor this') }, 10)
      setTimeout(() => { process.stdout.write('still serving\\n'); process.exit(0) }, 200)
    `
    const proc = Bun.spawn(['bun', '-e', script], { stdout: 'pipe', stderr: 'pipe' })
    const timer = setTimeout(() => proc.kill(), 10_000)
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
    clearTimeout(timer)
    expect(out).toContain('nobody handles this')
    expect(out).toContain('nor this')
    expect(out).toContain('still serving')
    expect(code).toBe(0)
  })

  it('bounds what it writes', () => {
    expect(describeError(new Error('x'.repeat(10_000))).length).toBeLessThanOrEqual(500)
  })
})
