import { afterEach, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { emptyCounts, type LedgerRow } from '../../usage/ledger-row'
import { createSqliteUsageStore, openUsageDatabase } from './sqlite-usage-store'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const row = (over: Partial<LedgerRow>): LedgerRow => ({ day: '2026-12-01', user: 'ann', tier: 'pro', requested_model: 'claude-x', model: 'qwen', backend: 'internal', ...emptyCounts(), requests: 1, ...over })

describe('the SQLite usage store', () => {
  it('adds batches to what is stored, in each of its three views, and keeps them across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-usage-'))
    dirs.push(dir)
    const first = createSqliteUsageStore(openUsageDatabase(dir))
    await first.add([row({ input_tokens: 10 }), row({ user: 'bob', model: 'haiku', backend: 'claude' })])
    await first.add([row({ input_tokens: 5, errors: 1 })])
    await first.close()
    const store = createSqliteUsageStore(openUsageDatabase(dir))
    const full = await store.read('full', { from: '2026-12-01', to: '2026-12-01', user: 'ann' })
    expect(full).toEqual([row({ requests: 2, errors: 1, input_tokens: 15 })])
    const models = await store.read('models', { from: '2026-12-01', to: '2026-12-01' })
    expect(models.map((r) => [r.user, r.model, r.requests]).sort()).toEqual([['', 'haiku', 1], ['', 'qwen', 2]])
    const users = await store.read('users', { from: '2026-12-01', to: '2026-12-01' })
    expect(users.map((r) => [r.user, r.model, r.requests]).sort()).toEqual([['ann', '', 2], ['bob', '', 1]])
    await store.close()
  })

  it('reads only the days asked for and prunes the days before the retention', async () => {
    const store = createSqliteUsageStore(openUsageDatabase(':memory:'))
    await store.add([row({ day: '2026-11-01' }), row({ day: '2026-11-15' }), row({ day: '2026-12-01' })])
    expect((await store.read('full', { from: '2026-11-10', to: '2026-12-01' })).map((r) => r.day).sort()).toEqual(['2026-11-15', '2026-12-01'])
    await store.prune('2026-11-15')
    expect((await store.read('users', { from: '2026-01-01', to: '2026-12-31' })).map((r) => r.day).sort()).toEqual(['2026-11-15', '2026-12-01'])
    await store.close()
  })

  it('keeps an audit log, newest first', async () => {
    const store = createSqliteUsageStore(openUsageDatabase(':memory:'))
    await store.append({ at: '2026-12-01T10:00:00.000Z', actor: 'admin-key', action: 'quota.grant', target: 'ann', detail: { requests: 5 } })
    await store.append({ at: '2026-12-01T10:01:00.000Z', actor: 'ann', action: 'key.create', target: 'key_1' })
    expect(await store.list({ limit: 10 })).toEqual([
      { at: '2026-12-01T10:01:00.000Z', actor: 'ann', action: 'key.create', target: 'key_1' },
      { at: '2026-12-01T10:00:00.000Z', actor: 'admin-key', action: 'quota.grant', target: 'ann', detail: { requests: 5 } },
    ])
    expect(await store.list({ limit: 1 })).toHaveLength(1)
    await store.close()
  })
})

describe('top users of a day on SQLite', () => {
  it('ranks the users of a day by requests and counts them', async () => {
    const store = createSqliteUsageStore(openUsageDatabase(':memory:'))
    await store.add(Array.from({ length: 50 }, (_, i) => row({ user: `user-${i}`, requests: i + 1 })))
    await store.add([row({ user: 'user-3', requests: 100 }), row({ day: '2026-11-30', user: 'yesterday', requests: 1000 })])
    const top = await store.topUsers('2026-12-01', 3)
    expect(top.count).toBe(50)
    expect(top.rows.map((r) => [r.user, r.requests])).toEqual([['user-3', 104], ['user-49', 50], ['user-48', 49]])
    await store.close()
  })
})
