import { afterEach, describe, expect, it } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { QuotaStore } from '../../quota/quota-store'
import { createSqliteQuotaStore } from './sqlite-quota-store'

const DAY = '2026-11-27'
const TEN = { requests: 10, tokens: null }
const TTL = 3600

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-quota-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function open(dataDir: string | ':memory:'): QuotaStore {
  const store = createSqliteQuotaStore(dataDir)
  cleanups.push(() => store.close().catch(() => {}))
  return store
}

describe('createSqliteQuotaStore', () => {
  it('admits exactly 10 of 50 simultaneous requests with a limit of 10', async () => {
    const store = open(tempDir())
    const results = await Promise.all(Array.from({ length: 50 }, () => store.admit('alice', DAY, TEN, TTL)))
    expect(results.filter((r) => r.allowed)).toHaveLength(10)
    expect(results.filter((r) => !r.allowed).every((r) => r.deniedBy === 'requests' && r.used === 10)).toBe(true)
    expect(results.filter((r) => r.allowed).map((r) => r.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect((await store.counts('alice', DAY)).requests).toBe(10)
  })

  it('counts users and days separately', async () => {
    const store = open(':memory:')
    await store.admit('alice', DAY, TEN, TTL)
    await store.admit('alice', '2026-11-28', TEN, TTL)
    await store.admit('bob', DAY, TEN, TTL)
    expect((await store.counts('alice', DAY)).requests).toBe(1)
    expect((await store.counts('alice', '2026-11-28')).requests).toBe(1)
    expect((await store.counts('carol', DAY)).requests).toBe(0)
  })

  it('never refuses an unlimited user and refuses everything at a limit of 0', async () => {
    const store = open(':memory:')
    for (let i = 0; i < 100; i++) expect((await store.admit('ent', DAY, { requests: null, tokens: null }, TTL)).allowed).toBe(true)
    expect((await store.counts('ent', DAY)).requests).toBe(100)
    expect(await store.admit('nobody', DAY, { requests: 0, tokens: null }, TTL)).toEqual({
      allowed: false,
      used: 0,
      tokensUsed: 0,
      deniedBy: 'requests',
    })
  })

  it('keeps the counts when the store is closed and reopened on the same directory', async () => {
    const dir = tempDir()
    const first = createSqliteQuotaStore(dir)
    for (let i = 0; i < 4; i++) await first.admit('alice', DAY, TEN, TTL)
    await first.addTokens('alice', DAY, 100, 20, TTL)
    await first.close()

    const second = open(dir)
    expect(await second.counts('alice', DAY)).toEqual({ requests: 4, inputTokens: 100, outputTokens: 20 })
    expect((await second.admit('alice', DAY, TEN, TTL)).used).toBe(5)
  })

  it('gives requests back but never below 0', async () => {
    const store = open(':memory:')
    await store.admit('alice', DAY, TEN, TTL)
    await store.release('alice', DAY)
    await store.release('alice', DAY)
    await store.release('never-seen', DAY)
    expect((await store.counts('alice', DAY)).requests).toBe(0)
    expect((await store.counts('never-seen', DAY)).requests).toBe(0)
    expect((await store.admit('alice', DAY, TEN, TTL)).used).toBe(1)
  })

  it('lets a released request be admitted again at the limit', async () => {
    const store = open(':memory:')
    for (let i = 0; i < 10; i++) await store.admit('alice', DAY, TEN, TTL)
    expect((await store.admit('alice', DAY, TEN, TTL)).allowed).toBe(false)
    await store.release('alice', DAY)
    expect(await store.admit('alice', DAY, TEN, TTL)).toMatchObject({ allowed: true, used: 10 })
  })

  it('adds up input and output tokens, ignoring negative and non-finite values', async () => {
    const store = open(':memory:')
    await store.addTokens('alice', DAY, 120, 30, TTL)
    await store.addTokens('alice', DAY, 5.9, 1, TTL)
    await store.addTokens('alice', DAY, -4, Number.NaN, TTL)
    expect(await store.counts('alice', DAY)).toEqual({ requests: 0, inputTokens: 125, outputTokens: 31 })
  })

  it('refuses requests once the daily token limit is used up', async () => {
    const store = open(':memory:')
    const limits = { requests: 100, tokens: 1000 }
    expect((await store.admit('alice', DAY, limits, TTL)).allowed).toBe(true)
    await store.addTokens('alice', DAY, 900, 150, TTL)
    expect(await store.admit('alice', DAY, limits, TTL)).toEqual({ allowed: false, used: 1, tokensUsed: 1050, deniedBy: 'tokens' })
  })

  it('prunes expired days when it is reopened', async () => {
    const dir = tempDir()
    const first = createSqliteQuotaStore(dir)
    await first.admit('alice', '2026-11-01', TEN, 1)
    await first.admit('alice', DAY, TEN, TTL)
    await first.close()
    await Bun.sleep(2100)
    const second = createSqliteQuotaStore(dir)
    await second.ping()
    await second.close()
    const db = new Database(join(dir, 'quota.sqlite'), { readonly: true })
    const days = db.query<{ day: string }, []>('SELECT day FROM quota_usage ORDER BY day').all().map((r) => r.day)
    db.close()
    expect(days).toEqual([DAY])
  })

  it('writes changed counts within the flush interval: a SIGKILL after it loses nothing', async () => {
    const dir = tempDir()
    const script = `const { createSqliteQuotaStore } = await import(${JSON.stringify(join(import.meta.dir, 'sqlite-quota-store.ts'))})
      const s = createSqliteQuotaStore(${JSON.stringify(dir)}, { flushIntervalMs: 50 })
      for (let i = 0; i < 3; i++) { await s.admit('alice', '${DAY}', { requests: 10, tokens: null }, 3600); await Bun.sleep(5) }
      await s.addTokens('alice', '${DAY}', 7, 3, 3600)
      await Bun.sleep(120)
      console.log('written')
      await Bun.sleep(60000)`
    const child = Bun.spawn(['bun', '-e', script], { stdout: 'pipe', stderr: 'pipe' })
    try {
      const reader = child.stdout.getReader()
      const { value } = await reader.read()
      expect(new TextDecoder().decode(value)).toContain('written')
      // The file is the child's own: another connection cannot even read it while it is open.
      const db = new Database(join(dir, 'quota.sqlite'), { readonly: true })
      expect(() => db.query('SELECT count(*) FROM quota_usage').get()).toThrow(/locked/i)
      db.close()
    } finally {
      child.kill('SIGKILL')
      await child.exited
    }
    const store = open(dir)
    expect(await store.counts('alice', DAY)).toEqual({ requests: 3, inputTokens: 7, outputTokens: 3 })
  })

  it('refuses a second process on the same directory with a clear error, and lets it in once the first is gone', async () => {
    const dir = tempDir()
    const first = createSqliteQuotaStore(dir)
    await first.admit('alice', DAY, TEN, TTL)
    const script = `const { createSqliteQuotaStore } = await import(${JSON.stringify(join(import.meta.dir, 'sqlite-quota-store.ts'))})
      try { const s = createSqliteQuotaStore(${JSON.stringify(dir)}, { lockTimeoutMs: 200 }); console.log('opened', (await s.counts('alice', '${DAY}')).requests); await s.close() }
      catch (e) { console.log('refused:', e.message) }`
    const second = Bun.spawnSync(['bun', '-e', script], { stdout: 'pipe', stderr: 'pipe', timeout: 20_000 })
    expect(second.stdout.toString()).toContain(`refused: ${join(dir, 'quota.sqlite')} is in use by another gateway process`)
    await first.close()
    const third = Bun.spawnSync(['bun', '-e', script], { stdout: 'pipe', stderr: 'pipe', timeout: 20_000 })
    expect(third.stdout.toString().trim()).toBe('opened 1')
  })

  it('on a full disk: fails admissions, keeps every count in memory, and writes them all once ping succeeds again', async () => {
    const dir = tempDir()
    let db: Database | undefined
    const store = createSqliteQuotaStore(dir, { flushIntervalMs: 1, onOpen: (d) => (db = d) })
    const flushed = () => Bun.sleep(20)
    await store.admit('user-0', DAY, TEN, TTL)
    await flushed()
    // SQLite answers SQLITE_FULL once the file may not grow, exactly as on a full disk.
    const pages = db!.query<{ page_count: number }, []>('PRAGMA page_count').get()!.page_count
    db!.exec(`PRAGMA max_page_count = ${pages}`)
    let admitted = 1
    let failure: unknown = null
    for (let i = 1; i < 2000 && failure === null; i++) {
      try {
        await store.admit(`user-${i}-${'x'.repeat(200)}`, DAY, TEN, TTL)
        admitted++
        await flushed()
      } catch (error) {
        failure = error
      }
    }
    expect(String(failure)).toMatch(/full/i)
    await expect(store.admit('user-0', DAY, TEN, TTL)).rejects.toThrow(/full/i)
    await expect(store.ping()).rejects.toThrow(/full/i)
    // Space again: the next ping writes what was held, and admissions resume.
    db!.exec('PRAGMA max_page_count = 1073741823')
    await store.ping()
    expect((await store.admit('user-0', DAY, TEN, TTL)).used).toBe(2)
    await store.close()
    const reopened = open(dir)
    expect((await reopened.counts('user-0', DAY)).requests).toBe(2)
    // Every admission that was answered before the failure is in the file.
    let total = 0
    for (let i = 1; i < admitted; i++) total += (await reopened.counts(`user-${i}-${'x'.repeat(200)}`, DAY)).requests
    expect(total).toBe(admitted - 1)
  })

  it('says so when the last write at close fails (a full disk at shutdown)', async () => {
    const dir = tempDir()
    let db: Database | undefined
    const store = createSqliteQuotaStore(dir, { flushIntervalMs: 60_000, onOpen: (d) => (db = d) })
    const pages = db!.query<{ page_count: number }, []>('PRAGMA page_count').get()!.page_count
    db!.exec(`PRAGMA max_page_count = ${pages}`)
    for (let i = 0; i < 200; i++) await store.admit(`user-${i}-${'x'.repeat(200)}`, DAY, TEN, TTL)
    await expect(store.close()).rejects.toThrow(/full/i)
  })

  it('answers ping while open and fails after close', async () => {
    const store = createSqliteQuotaStore(':memory:')
    await store.ping()
    await store.close()
    await expect(store.ping()).rejects.toThrow()
  })
})

describe('grants and resets on the embedded quota store', () => {
  it('raises the day\'s request limit by a grant, keeps it across a reopen, and resets the count to 0', async () => {
    const dir = tempDir()
    const first = createSqliteQuotaStore(dir)
    for (let i = 0; i < 10; i++) await first.admit('ann', DAY, TEN, TTL)
    expect((await first.admit('ann', DAY, TEN, TTL)).allowed).toBe(false)
    await first.grant!('ann', DAY, 2, TTL)
    expect(await first.admit('ann', DAY, TEN, TTL)).toMatchObject({ allowed: true, used: 11, granted: 2 })
    await first.close()
    const store = open(dir)
    expect(await store.counts('ann', DAY)).toEqual({ requests: 11, inputTokens: 0, outputTokens: 0, granted: 2 })
    expect((await store.admit('ann', DAY, TEN, TTL)).allowed).toBe(true)
    expect((await store.admit('ann', DAY, TEN, TTL)).allowed).toBe(false)
    await store.reset!('ann', DAY)
    expect((await store.admit('ann', DAY, TEN, TTL)).used).toBe(1)
    // Another day knows nothing of the grant.
    expect((await store.counts('ann', '2026-11-28')).granted).toBeUndefined()
  })
})
