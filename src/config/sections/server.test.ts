import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runTempDir } from '../../../test/helpers/run-temp-dirs'
import { Problems } from '../field-readers'
import { normalizeServer } from './server'

function server(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { server: normalizeServer(raw, p), problems: p.list }
}

describe('normalizeServer: public URL and TLS', () => {
  it('keeps the public URL as an origin with its path, without a trailing slash', () => {
    expect(server({ public_url: 'https://gw.example.com/' }).server.public_url).toBe('https://gw.example.com')
    expect(server({ public_url: 'https://gw.example.com/llm/' }).server.public_url).toBe('https://gw.example.com/llm')
    expect(server({ public_url: 'http://127.0.0.1:8000' }).problems).toEqual([])
    expect(server({}).server.public_url).toBeNull()
  })

  it('refuses http:// beyond loopback (Claude Code would refuse it), other schemes and URLs with credentials', () => {
    expect(server({ public_url: 'http://gw.example.com' }).problems[0]).toContain('server.public_url: must be https://')
    expect(server({ public_url: 'ftp://gw' }).problems).toEqual(['c.yaml: server.public_url: must be an https:// URL'])
    expect(server({ public_url: 'https://u:p@gw' }).problems).toEqual(['c.yaml: server.public_url: must have no query, fragment or credentials'])
    expect(server({ public_url: 'not a url' }).problems).toEqual(['c.yaml: server.public_url: must be an http(s) URL, got "not a url"'])
  })

  it('needs both TLS files, and that they exist', () => {
    const dir = runTempDir('llmgw-tls-')
    writeFileSync(join(dir, 'cert.pem'), 'x')
    writeFileSync(join(dir, 'key.pem'), 'x')
    expect(server({ tls: { cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') } }).server.tls).toEqual({ cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') })
    expect(server({ tls: { cert_file: join(dir, 'cert.pem') } }).problems).toEqual(['c.yaml: server.tls.key_file: is required with server.tls.cert_file'])
    expect(server({ tls: { cert_file: join(dir, 'nope.pem'), key_file: join(dir, 'key.pem') } }).problems).toEqual([`c.yaml: server.tls.cert_file: file not found: ${join(dir, 'nope.pem')}`])
  })
})
