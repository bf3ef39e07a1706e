import { describe, expect, it } from 'bun:test'
import { GatewayError } from '../../errors/gateway-error'
import { mapUpstreamError } from './map-upstream-error'
import { passthroughTranslator } from './passthrough'

const target = (maxOutputTokens: number | null) => ({ model: 'qwen3-32b', upstreamModel: 'Qwen/Qwen3-32B', maxOutputTokens })

describe('same-format passthrough', () => {
  it("brings max_tokens and max_completion_tokens down to the model's max_output_tokens, saying so", () => {
    const openai = passthroughTranslator('openai').request({ model: 'qwen3-32b', max_tokens: 100_000, max_completion_tokens: 50_000, messages: [] }, target(8192))
    expect(JSON.parse(openai.body)).toMatchObject({ model: 'Qwen/Qwen3-32B', max_tokens: 8192, max_completion_tokens: 8192 })
    expect(openai.warnings).toEqual([
      { type: 'clamped', setting: 'max_tokens', from: 100_000, to: 8192 },
      { type: 'clamped', setting: 'max_tokens', from: 50_000, to: 8192 },
    ])
    const anthropic = passthroughTranslator('anthropic').request({ model: 'm', max_tokens: 64_000, messages: [] }, target(4096))
    expect(JSON.parse(anthropic.body).max_tokens).toBe(4096)
    // Within the limit, or no limit configured: left as it came.
    expect(JSON.parse(passthroughTranslator('anthropic').request({ model: 'm', max_tokens: 100, messages: [] }, target(4096)).body).max_tokens).toBe(100)
    expect(JSON.parse(passthroughTranslator('anthropic').request({ model: 'm', max_tokens: 64_000, messages: [] }, target(null)).body).max_tokens).toBe(64_000)
  })

  it('refuses n above 1: several answers would cost the backend several times one counted request', () => {
    const error = (() => {
      try {
        passthroughTranslator('openai').request({ model: 'm', n: 8, messages: [] }, target(null))
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(GatewayError)
    expect(error).toMatchObject({ status: 400, param: 'n' })
    expect(JSON.parse(passthroughTranslator('openai').request({ model: 'm', n: 1, messages: [] }, target(null)).body).n).toBe(1)
  })
})

describe('mapUpstreamError', () => {
  const internals = JSON.stringify({ error: { message: 'Traceback (most recent call last): File "/srv/vllm/engine.py", line 42 at 10.1.2.3 org-7731' } })

  it("never hands a client the backend's words for an overload or a crash", () => {
    for (const status of [500, 502, 503, 429, 529]) {
      const mapped = mapUpstreamError(status, internals, 'internal', 'anthropic', true)
      expect(mapped.passthrough).toBe(false)
      expect(mapped.error.message).not.toContain('Traceback')
      expect(mapped.error.message).not.toContain('org-7731')
    }
  })

  it("keeps the backend's words for the client's own mistake (4xx)", () => {
    const mapped = mapUpstreamError(400, JSON.stringify({ error: { message: 'max_tokens is too large' } }), 'internal', 'openai', false)
    expect(mapped.error).toMatchObject({ status: 400, message: 'max_tokens is too large' })
  })
})
