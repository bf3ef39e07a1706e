import { describe, expect, it } from 'bun:test'
import { Problems } from '../field-readers'
import { normalizeModels } from './models'
import { normalizeUsage } from './usage'

function read<T>(fn: (raw: Record<string, unknown>, p: Problems) => T, raw: Record<string, unknown>) {
  const p = new Problems('c.yaml')
  return { value: fn(raw, p), problems: p.list }
}

describe('the usage section and model prices', () => {
  it('keeps the ledger on for 90 days by default, and reports a retention that is not a whole number of days', () => {
    expect(read(normalizeUsage, {})).toEqual({ value: { enabled: true, retention_days: 90 }, problems: [] })
    expect(read(normalizeUsage, { enabled: false, retention_days: '30' }).value).toEqual({ enabled: false, retention_days: 30 })
    for (const bad of [0, -1, 1.5, 'ninety']) {
      expect(read(normalizeUsage, { retention_days: bad }).problems[0]).toStartWith('c.yaml: usage.retention_days: must be an integer >= 1')
    }
  })

  it('reads a price per million input and output tokens, and reports a partial or negative one', () => {
    const models = (price: unknown) => read(normalizeModels, { m: { backend: 'b', price } })
    expect(models({ input: 3, output: '15.5' }).value[0]!.price).toEqual({ input: 3, output: 15.5 })
    expect(models(undefined).value[0]!.price).toBeNull()
    expect(models({ input: 3 }).problems).toEqual(['c.yaml: models.m.price.output: must be a number >= 0, got undefined'])
    expect(models({ input: -1, output: 2 }).problems).toEqual(['c.yaml: models.m.price.input: must be a number >= 0, got -1'])
    expect(models('cheap').problems).toEqual(['c.yaml: models.m.price: must be a mapping with input and output (per million tokens)'])
  })
})
