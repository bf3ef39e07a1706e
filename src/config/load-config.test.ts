import { describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runTempDir } from '../../test/helpers/run-temp-dirs'
import { DEMO_KEY } from './defaults'
import { loadConfig } from './load-config'

function file(name: string, text: string): string {
  const path = join(runTempDir('llmgw-cfg-'), name)
  writeFileSync(path, text)
  return path
}

describe('loadConfig', () => {
  it('runs on the contract defaults with no file, serving the demo backend when nothing is configured', () => {
    const { config, problems } = loadConfig({ env: {} })
    expect(problems).toEqual([])
    expect(config.demo).toBe(true)
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8000, metrics_port: 9464, max_body_bytes: 33554432, drain_timeout_s: 30, body_timeout_s: 60, public_url: null, tls: null })
    expect(config.tiers.free!.daily_requests).toBe(10)
    expect(config.tiers.enterprise!.daily_requests).toBeNull()
    expect(config.auth.keys.map((k) => k.key)).toEqual([DEMO_KEY])
    expect(config.models.every((m) => m.backend === 'demo')).toBe(true)
  })

  it('never serves the demo backend with GATEWAY_DEMO=off', () => {
    const { config } = loadConfig({ env: { GATEWAY_DEMO: 'off' } })
    expect(config.demo).toBe(false)
    expect(config.auth.keys).toEqual([])
    expect(config.models).toEqual([])
  })

  it('builds the backends the environment names and no demo', () => {
    const { config, problems } = loadConfig({
      env: { INTERNAL_LLM_URL: 'http://vllm:8000/v1', CLAUDE_API_KEY: 'sk-ant', PORT: '9000', QUOTA_REDIS_URL: 'redis://r:6379', LOG_LEVEL: 'DEBUG' },
    })
    expect(problems).toEqual([])
    expect(config.demo).toBe(false)
    expect(config.auth.keys).toEqual([])
    expect(config.backends.internal).toMatchObject({ format: 'openai', base_url: 'http://vllm:8000/v1', api_key: null })
    expect(config.backends.claude).toMatchObject({ format: 'anthropic', base_url: 'https://api.anthropic.com', api_key: 'sk-ant' })
    expect(config.backends.openai).toBeUndefined()
    // gpt-* names the absent openai backend: dropped from the built-in table, not an error.
    expect(config.models.map((m) => m.pattern)).toEqual(['qwen3-32b', 'claude-3-haiku', 'claude-*'])
    expect(config.server.port).toBe(9000)
    expect(config.store.redis_url).toBe('redis://r:6379')
    expect(config.log_level).toBe('debug')
  })

  it('turns keycloak on beside keys when KEYCLOAK_URL is set, and AUTH_PROVIDER overrides', () => {
    const both = loadConfig({ env: { KEYCLOAK_URL: 'https://kc.example/realms/acme', INTERNAL_LLM_URL: 'http://x/v1' } }).config
    expect(both.auth.providers).toEqual(['keys', 'keycloak'])
    expect(both.auth.keycloak!.issuer).toBe('https://kc.example/realms/acme')
    const only = loadConfig({ env: { KEYCLOAK_URL: 'https://kc.example/realms/acme', AUTH_PROVIDER: 'keycloak', INTERNAL_LLM_URL: 'http://x/v1' } }).config
    expect(only.auth.providers).toEqual(['keycloak'])
  })

  it('substitutes ${VAR} and ${VAR:-default} in the file, and the environment overrides the file', () => {
    const path = file('c.yaml', 'server: { port: 7000 }\nbackends:\n  internal: { format: openai, base_url: "${VLLM:-http://fallback:8000/v1}", api_key: "${VLLM_KEY}" }\n')
    const a = loadConfig({ file: path, env: { VLLM_KEY: 'k1' } })
    expect(a.problems).toEqual([])
    expect(a.config.backends.internal).toMatchObject({ base_url: 'http://fallback:8000/v1', api_key: 'k1' })
    expect(a.config.server.port).toBe(7000)
    const b = loadConfig({ file: path, env: { VLLM: 'http://real:1/v1', PORT: '7001', INTERNAL_LLM_URL: 'http://env-wins/v1' } })
    expect(b.config.backends.internal!.base_url).toBe('http://env-wins/v1')
    expect(b.config.backends.internal!.api_key).toBeNull()
    expect(b.config.server.port).toBe(7001)
  })

  it('refuses backend headers and keys that would break the upstream request onto another line', () => {
    const path = file('h.json', JSON.stringify({ backends: { internal: { format: 'openai', base_url: 'http://v:8000/v1', api_key: 'k\r\nx-evil: 1', headers: { 'x-ok': 'a\nb', 'bad name': 'v', 'x-fine': 'v' } } } }))
    const { problems } = loadConfig({ file: path, env: {} })
    const text = problems.join('\n')
    expect(text).toContain('backends.internal.api_key')
    expect(text).toContain('backends.internal.headers.x-ok')
    expect(text).toContain('backends.internal.headers.bad name')
    expect(text).not.toContain('x-fine')
  })

  it('takes a backend key with the newline a secret file ends in, and never echoes a password in a URL', () => {
    const path = file('k.json', JSON.stringify({ backends: { internal: { format: 'openai', base_url: 'http://v:8000/v1', api_key: 'sk-from-file\n' }, bad: { format: 'openai', base_url: 'ftp://user:TOP/SECRETPW@h/v1' }, worse: { format: 'openai', base_url: 'user:TOPSECRETPW@h' } } }))
    const { config, problems } = loadConfig({ file: path, env: {} })
    expect(config.backends.internal!.api_key).toBe('sk-from-file')
    const text = problems.join('\n')
    expect(text).toContain('backends.bad.base_url: must be an http(s) URL, got "ftp://…@h/v1"')
    expect(text).toContain('backends.worse.base_url')
    expect(text).not.toContain('SECRETPW')
  })

  it('reads JSON files too, and takes GATEWAY_CONFIG when no --config is given', () => {
    const path = file('c.json', JSON.stringify({ backends: { internal: { format: 'openai', base_url: 'http://j/v1' } }, quota: { timezone: 'Europe/Paris' } }))
    const { config, problems } = loadConfig({ env: { GATEWAY_CONFIG: path } })
    expect(problems).toEqual([])
    expect(config.source).toBe(path)
    expect(config.quota.timezone).toBe('Europe/Paris')
  })

  it('reports route targets that match no model, with the key path', () => {
    const path = file('r.yaml', 'backends: { b: { base_url: "http://b/v1" } }\nmodels: { m1: { backend: b } }\ntiers: { free: { models: [m1], routes: { "x-*": m2 } } }\n')
    const { problems } = loadConfig({ file: path, env: {} })
    expect(problems).toEqual([`${path}: tiers.free.routes.x-*: target "m2" matches no entry of models`])
  })

  it('reports a static key for an unknown tier and a missing keycloak issuer', () => {
    const path = file('k.yaml', 'backends: { b: { base_url: "http://b/v1" } }\nauth: { providers: [keys, keycloak], keys: [{ key: k, user: u, tier: gold }] }\n')
    const { problems } = loadConfig({ file: path, env: {} })
    expect(problems).toContain(`${path}: auth.keys[0].tier: names an unknown tier "gold"`)
    expect(problems.some((p) => p.includes('auth.keycloak.issuer'))).toBe(true)
  })

  it('never throws, whatever shape a section or an entry has: it lists problems instead', () => {
    const odd: unknown[] = ['x', 7, true, ['a'], null, { nested: 'x' }]
    for (const section of ['server', 'store', 'auth', 'backends', 'models', 'tiers', 'quota', 'log_level']) {
      for (const value of odd) {
        const path = file('odd.json', JSON.stringify({ [section]: value }))
        expect(() => loadConfig({ file: path, env: { CLAUDE_API_KEY: 'k', INTERNAL_LLM_URL: 'http://v/v1', KEYCLOAK_URL: 'https://kc/r' } })).not.toThrow()
      }
    }
    // Entries of the wrong shape, as an operator's typo makes them: once a TypeError in loadConfig.
    for (const doc of [{ backends: { claude: 'x' } }, { backends: { openai: 7 } }, { models: { m: 'x' } }, { tiers: { free: 'x' } }, { auth: { keycloak: 'x' } }]) {
      const path = file('entry.json', JSON.stringify(doc))
      const { problems } = loadConfig({ file: path, env: {} })
      expect(problems.length).toBeGreaterThan(0)
    }
  })

  it('puts /metrics on a port of its own by default (METRICS_PORT), or on the API port with null', () => {
    expect(loadConfig({ env: { METRICS_PORT: '9100' } }).config.server.metrics_port).toBe(9100)
    expect(loadConfig({ file: file('m.yaml', 'server: { metrics_port: null }\n'), env: {} }).config.server.metrics_port).toBeNull()
    expect(loadConfig({ file: file('clash.yaml', 'server: { port: 9000, metrics_port: 9000 }\n'), env: {} }).problems).toEqual([expect.stringMatching(/server\.metrics_port: must differ from server\.port/)])
  })

  it('turns sign-in on from the environment, and needs the public URL for it', () => {
    const env = { KEYCLOAK_URL: 'https://kc.example/realms/acme', KEYCLOAK_AUDIENCE: 'llm-gateway', KEYCLOAK_CLIENT_ID: 'claude-gateway', KEYCLOAK_CLIENT_SECRET: 'cs', GATEWAY_SESSION_KEY: 'k'.repeat(40), INTERNAL_LLM_URL: 'http://x/v1' }
    expect(loadConfig({ env }).problems).toEqual(['defaults: server.public_url: is required for sign-in (auth.keycloak.client_id is set): the URL developers reach the gateway at'])
    const { config, problems } = loadConfig({ env: { ...env, GATEWAY_PUBLIC_URL: 'https://llm.example.com/' } })
    expect(problems).toEqual([])
    expect(config.server.public_url).toBe('https://llm.example.com')
    expect(config.auth.keycloak).toMatchObject({ client_id: 'claude-gateway', client_secret: 'cs' })
    expect(config.auth.sessions.signing_key).toBe('k'.repeat(40))
  })

  it('reads telemetry.forward_to and managed settings per tier', () => {
    const path = file('t.yaml', 'backends: { b: { base_url: "http://b/v1" } }\nmodels: { m: { backend: b } }\ntelemetry: { forward_to: ["http://otel:4318/", "nope"] }\ntiers:\n  free: { managed_settings: { env: { A: "1" } } }\n  pro: { managed_settings: null }\n  ent: { managed_settings: [1] }\n')
    const { config, problems } = loadConfig({ file: path, env: {} })
    expect(config.telemetry.forward_to).toEqual(['http://otel:4318'])
    expect(config.tiers.free!.managed_settings).toEqual({ env: { A: '1' } })
    expect(config.tiers.pro!.managed_settings).toBeNull()
    expect(problems.sort()).toEqual([`${path}: telemetry.forward_to[1]: must be an http(s) URL, got "nope"`, `${path}: tiers.ent.managed_settings: must be a mapping (Claude Code managed settings) or null`])
  })
})
