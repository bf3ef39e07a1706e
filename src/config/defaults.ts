// The defaults of the contract: what the gateway runs on with no config file at all.
// Kept as raw (file-shaped) data so that a file, the environment and the defaults go through
// the same normalisation and validation.

export const DEFAULT_ANTHROPIC_URL = 'https://api.anthropic.com'
export const DEFAULT_OPENAI_URL = 'https://api.openai.com/v1'

/** The key the demo mode accepts. Only ever active when nothing real is configured. */
export const DEMO_KEY = 'sk-demo-llm-gateway'

export const DEFAULT_MODELS: Record<string, unknown> = {
  'qwen3-32b': { backend: 'internal', upstream_model: 'Qwen/Qwen3-32B' },
  'claude-3-haiku': { backend: 'claude', upstream_model: 'claude-3-haiku-20240307' },
  'claude-*': { backend: 'claude' },
  'gpt-*': { backend: 'openai' },
}

export const DEFAULT_TIERS: Record<string, unknown> = {
  free: {
    daily_requests: 10,
    models: ['qwen3-32b'],
    routes: { 'claude-*': 'qwen3-32b', 'gpt-*': 'qwen3-32b' },
  },
  pro: {
    daily_requests: 1000,
    models: ['qwen3-32b', 'claude-3-haiku', 'claude-*haiku*'],
    routes: { 'claude-*opus*': 'claude-3-haiku', 'claude-*sonnet*': 'claude-3-haiku', 'gpt-4*': 'qwen3-32b' },
  },
  enterprise: {
    daily_requests: null,
    models: ['*'],
  },
}
