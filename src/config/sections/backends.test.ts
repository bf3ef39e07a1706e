import { describe, expect, it } from 'bun:test'
import { DEFAULT_ANTHROPIC_URL, DEFAULTS } from '../defaults'
import { Problems } from '../field-readers'
import { normalizeBackends } from './backends'

function backends(raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { backends: normalizeBackends(raw, p), problems: p.list }
}

describe('normalizeBackends', () => {
  it('fills what a backend leaves out from the defaults, in milliseconds', () => {
    const { backends: b, problems } = backends({ v: { base_url: 'http://v:8000/v1/' } })
    expect(problems).toEqual([])
    const d = DEFAULTS.backend
    expect(b.v).toEqual({
      name: 'v',
      format: d.format,
      base_url: 'http://v:8000/v1',
      endpoints: ['http://v:8000/v1'],
      circuit_breaker: { failure_threshold: d.circuit_breaker.failure_threshold, cooldown_ms: d.circuit_breaker.cooldown_s * 1000 },
      api_key: null,
      headers: {},
      timeouts: { connect_ms: d.timeouts.connect_s * 1000, first_byte_ms: d.timeouts.first_byte_s * 1000, idle_ms: d.timeouts.idle_s * 1000 },
      responses: 'translate',
    })
  })

  it("takes Anthropic's public URL for an anthropic backend, a placeholder for the demo, and requires one otherwise", () => {
    const { backends: b, problems } = backends({ a: { format: 'anthropic' }, d: { format: 'demo' }, o: { format: 'openai' } })
    expect(b.a!.base_url).toBe(DEFAULT_ANTHROPIC_URL)
    expect(b.d!.base_url).toBe(DEFAULTS.backend.demo_base_url)
    expect(problems).toEqual(['c.yaml: backends.o.base_url: is required (for the default "internal" backend set INTERNAL_LLM_URL)'])
  })

  it('balances over the listed endpoints and names a bad one by its index', () => {
    const { backends: b, problems } = backends({ r: { endpoints: 'http://e1/, not a url' } })
    expect(b.r!.endpoints).toEqual(['http://e1', 'not a url'])
    expect(b.r!.base_url).toBe('http://e1')
    expect(problems).toEqual(['c.yaml: backends.r.endpoints[1]: must be an http(s) URL, got "not a url"'])
  })

  it('refuses a format it does not know and a backend that is not a mapping', () => {
    const { backends: b, problems } = backends({ g: { format: 'grpc', base_url: 'http://g' }, s: 'http://s' })
    expect(b.s).toBeUndefined()
    expect(problems).toEqual(['c.yaml: backends.g.format: must be one of openai, anthropic, demo, got "grpc"', 'c.yaml: backends.s: must be a mapping with format and base_url'])
  })

  it('lets an OpenAI-format backend serve Responses clients natively, and refuses that for other formats or unknown modes', () => {
    const { backends: b, problems } = backends({
      o: { base_url: 'http://o/v1', responses: 'native' },
      a: { format: 'anthropic', responses: 'native' },
      t: { base_url: 'http://t/v1', responses: 'passthrough' },
    })
    expect(b.o!.responses).toBe('native')
    expect(b.a!.responses).toBe('translate')
    expect(b.t!.responses).toBe('translate')
    expect(problems).toEqual([
      'c.yaml: backends.a.responses: native needs format openai (this backend is anthropic)',
      'c.yaml: backends.t.responses: must be one of translate, native, got "passthrough"',
    ])
  })
})
