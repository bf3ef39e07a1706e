import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { hashCredential } from '../auth/hash-credential'
import type { KeyStore } from '../auth/key-store'
import { createSqliteKeyStore } from '../stores/sqlite/sqlite-key-store'
import { runKeysCommand } from './keys-command'

let keyStore: KeyStore
beforeEach(() => {
  keyStore = createSqliteKeyStore({ path: ':memory:' })
})
afterEach(async () => {
  await keyStore.close()
})

async function run(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runKeysCommand(argv, { keyStore, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) })
  return { code, stdout, stderr }
}

describe('runKeysCommand', () => {
  it('create prints the key alone on stdout, and the store knows it', async () => {
    const { code, stdout, stderr } = await run('keys', 'create', '--user', 'alice', '--tier', 'pro', '--name', 'CI runner')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^sk-gw-[A-Za-z0-9_-]{43}\n$/)
    expect(stderr).not.toContain(stdout.trim())
    expect(await keyStore.findByHash(hashCredential(stdout.trim()))).toMatchObject({ user: 'alice', tier: 'pro', name: 'CI runner' })
  })

  it('create --json prints one object with id and key', async () => {
    const { code, stdout } = await run('create', '--user=bob', '--tier=free', '--json')
    expect(code).toBe(0)
    const created = JSON.parse(stdout)
    expect(created).toMatchObject({ user: 'bob', tier: 'free' })
    expect(created.key).toStartWith('sk-gw-')
    expect(created.id).toStartWith('key_')
  })

  it('list shows ids, users and tiers but never a key', async () => {
    const { stdout: key } = await run('create', '--user', 'carol', '--tier', 'enterprise')
    const { code, stdout } = await run('list')
    expect(code).toBe(0)
    expect(stdout).toContain('carol')
    expect(stdout).toContain('enterprise')
    expect(stdout).not.toContain(key.trim())
    const json = JSON.parse((await run('list', '--json')).stdout)
    expect(json).toHaveLength(1)
  })

  it('revoke marks the key revoked; an unknown id exits 1', async () => {
    const { stdout } = await run('create', '--user', 'dave', '--tier', 'pro', '--json')
    const { id, key } = JSON.parse(stdout)
    expect((await run('revoke', id)).code).toBe(0)
    expect(await keyStore.findByHash(hashCredential(key))).toBeNull()
    const missing = await run('revoke', 'key_nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('key_nope')
  })

  it('exits 2 with usage on missing flags or an unknown command', async () => {
    for (const argv of [['create', '--user', 'x'], ['create', '--tier'], ['revoke'], ['frobnicate'], []]) {
      const result = await run(...argv)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain('usage')
    }
  })
})
