import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../config/load-config'
import { createModelResolver } from './resolve-model'

// The built-in tiers with every default backend configured: the seed routing table.
const { config } = loadConfig({ env: { INTERNAL_LLM_URL: 'http://vllm/v1', CLAUDE_API_KEY: 'k', OPENAI_API_KEY: 'k' } })
const resolve = createModelResolver(config)

const table: [tier: string, requested: string, routed: string, backend: string, upstream: string][] = [
  ['free', 'claude-opus-4-1', 'qwen3-32b', 'internal', 'Qwen/Qwen3-32B'],
  ['free', 'claude-opus-5-5', 'qwen3-32b', 'internal', 'Qwen/Qwen3-32B'],
  ['free', 'gpt-4o', 'qwen3-32b', 'internal', 'Qwen/Qwen3-32B'],
  ['free', 'qwen3-32b', 'qwen3-32b', 'internal', 'Qwen/Qwen3-32B'],
  ['pro', 'claude-sonnet-4-5', 'claude-3-haiku', 'claude', 'claude-3-haiku-20240307'],
  ['pro', 'claude-opus-5-5', 'claude-3-haiku', 'claude', 'claude-3-haiku-20240307'],
  ['pro', 'claude-3-haiku', 'claude-3-haiku', 'claude', 'claude-3-haiku-20240307'],
  ['pro', 'claude-haiku-4-5', 'claude-haiku-4-5', 'claude', 'claude-haiku-4-5'],
  ['pro', 'gpt-4.1', 'qwen3-32b', 'internal', 'Qwen/Qwen3-32B'],
  ['enterprise', 'claude-opus-5-5', 'claude-opus-5-5', 'claude', 'claude-opus-5-5'],
  ['enterprise', 'gpt-5', 'gpt-5', 'openai', 'gpt-5'],
]

describe('the seed routing table', () => {
  for (const [tier, requested, routed, backend, upstream] of table) {
    it(`routes ${requested} on ${tier} to ${routed} (${backend}: ${upstream})`, () => {
      const t = resolve(requested, tier)
      expect([t.model, t.backend.name, t.upstreamModel]).toEqual([routed, backend, upstream])
    })
  }

  it('refuses with 403 a model the tier does not allow after routing', () => {
    expect(() => resolve('gpt-5', 'pro')).toThrow(expect.objectContaining({ status: 403, type: 'permission_error' }))
    expect(() => resolve('llama-3', 'free')).toThrow(expect.objectContaining({ status: 403 }))
  })

  it('answers 404 for a model no entry serves', () => {
    expect(() => resolve('llama-3', 'enterprise')).toThrow(expect.objectContaining({ status: 404, type: 'not_found_error' }))
  })
})
