// The embedded quota store shared by several processes on one data directory (e.g. a restart
// overlapping the old process, or several workers on one host): admission stays exact.
import { afterAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteQuotaStore } from '../src/quota/sqlite-quota-store'
import { runQuotaAdmitWorkers } from './helpers/quota-admit-worker'

const dir = mkdtempSync(join(tmpdir(), 'llmgw-quota-processes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('createSqliteQuotaStore across processes', () => {
  it('admits exactly 10 of 50 simultaneous requests from three processes sharing one file', async () => {
    const startAt = Date.now() + 1500
    const results = await runQuotaAdmitWorkers(
      [17, 17, 16].map((count) => ({ store: 'sqlite' as const, target: dir, user: 'alice', day: '2026-11-27', count, limit: 10, startAt })),
    )
    expect(results.reduce((sum, r) => sum + r.allowed, 0)).toBe(10)
    expect(results.reduce((sum, r) => sum + r.refused, 0)).toBe(40)

    const store = createSqliteQuotaStore(dir)
    expect((await store.counts('alice', '2026-11-27')).requests).toBe(10)
    await store.close()
  })
})
