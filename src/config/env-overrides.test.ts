import { describe, expect, it } from 'bun:test'
import { DEFAULT_ANTHROPIC_URL, DEFAULT_OPENAI_URL } from './defaults'
import { applyEnvOverrides } from './env-overrides'

describe('applyEnvOverrides', () => {
  it('writes the environment over the file, and ignores variables set to the empty string', () => {
    const raw: Record<string, unknown> = { server: { port: 7000, host: 'h' }, auth: { admin_key: 'file' } }
    applyEnvOverrides(raw, { PORT: '7001', HOST: '', LOG_LEVEL: 'DEBUG', GATEWAY_ADMIN_KEY: 'env', KEYCLOAK_URL: 'https://kc/r', AUTH_PROVIDER: 'keycloak' })
    expect(raw.server).toEqual({ port: '7001', host: 'h' })
    expect(raw.log_level).toBe('debug')
    expect(raw.auth).toEqual({ admin_key: 'env', keycloak: { issuer: 'https://kc/r' }, providers: 'keycloak' })
  })

  it('creates the backends the variables name, keeping a format the file gives', () => {
    const raw: Record<string, unknown> = { backends: { internal: { format: 'anthropic', base_url: 'http://file/v1' } } }
    applyEnvOverrides(raw, { INTERNAL_LLM_URL: 'http://env/v1', CLAUDE_API_KEY: 'sk-ant', OPENAI_API_KEY: 'sk-oai' })
    expect(raw.backends).toEqual({
      internal: { format: 'anthropic', base_url: 'http://env/v1' },
      claude: { format: 'anthropic', api_key: 'sk-ant', base_url: DEFAULT_ANTHROPIC_URL },
      openai: { format: 'openai', api_key: 'sk-oai', base_url: DEFAULT_OPENAI_URL },
    })
  })

  it('gives a claude or openai backend of the file its public URL when it names none', () => {
    const raw: Record<string, unknown> = { backends: { claude: { api_key: 'k' }, openai: { base_url: 'http://mine/v1' } } }
    applyEnvOverrides(raw, {})
    expect(raw.backends).toEqual({ claude: { api_key: 'k', base_url: DEFAULT_ANTHROPIC_URL }, openai: { base_url: 'http://mine/v1' } })
  })

  it('sets the Keycloak audience and clients and the metrics port from the environment', () => {
    const raw: Record<string, unknown> = {}
    applyEnvOverrides(raw, { KEYCLOAK_URL: 'https://kc/r', KEYCLOAK_AUDIENCE: 'llm-gateway', KEYCLOAK_CLIENTS: 'claude-code,codex', METRICS_PORT: '9100' })
    expect(raw.auth).toEqual({ keycloak: { issuer: 'https://kc/r', audience: 'llm-gateway', clients: 'claude-code,codex' } })
    expect(raw.server).toEqual({ metrics_port: '9100' })
  })

  it('leaves an entry of the wrong shape for the normaliser to report, instead of throwing', () => {
    const raw: Record<string, unknown> = { backends: { claude: 'x' }, server: 'oops' }
    expect(() => applyEnvOverrides(raw, { CLAUDE_API_KEY: 'k', PORT: '1' })).not.toThrow()
    expect(raw).toEqual({ backends: { claude: 'x' }, server: 'oops' })
  })
})
