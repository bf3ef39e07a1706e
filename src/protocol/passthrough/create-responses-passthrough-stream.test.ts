import { describe, expect, it } from 'bun:test'
import { createRandom, loadFixture, parseSSE, responsesWire, runTransform, splitRandomly, streamFixtures } from '../../../test/helpers/replay-stream'
import { finalResponse, validateResponsesEvents } from '../../../test/helpers/validate-responses-stream'
import { createResponsesPassthroughStream, responsesPassthroughChunks } from './create-responses-passthrough-stream'

const FIXTURES = streamFixtures('responses')
const encoder = new TextEncoder()

async function relay(pieces: Uint8Array[]) {
  const usages: unknown[] = []
  const text = await runTransform(createResponsesPassthroughStream({ model: 'gpt-public', onUsage: (u) => usages.push(u) }), pieces)
  return { text, usages, events: await parseSSE(text) }
}

describe('createResponsesPassthroughStream', () => {
  it('relays recorded Responses streams event for event, whole or cut at random bytes, with only the model renamed', async () => {
    for (const name of FIXTURES) {
      const lines = loadFixture(name) as Record<string, any>[]
      const bytes = encoder.encode(responsesWire(lines))
      const whole = await relay([bytes])
      expect({ name, problems: validateResponsesEvents(whole.events) }).toEqual({ name, problems: [] })
      // Only the response objects changed, and in them only `model`.
      const expected = lines.map((l) => (l.response ? { ...l, response: { ...l.response, model: 'gpt-public' } } : l))
      expect(whole.events.map((e) => JSON.parse(e.data))).toEqual(expected)
      expect(whole.events.map((e) => e.event)).toEqual(lines.map((l) => l.type))
      expect(whole.text).not.toContain('gpt-5-codex-2026')
      const random = createRandom(name.length * 7)
      for (let round = 0; round < 20; round++) expect((await relay(splitRandomly(bytes, random))).text).toBe(whole.text)
    }
  })

  it('passes the events between the lifecycle ones through byte for byte', async () => {
    const lines = loadFixture('responses-text.jsonl') as Record<string, any>[]
    const wire = responsesWire(lines)
    const { text } = await relay([encoder.encode(wire)])
    const deltas = (t: string) => t.split('\n\n').filter((e) => e.includes('output_text.delta'))
    expect(deltas(text)).toEqual(deltas(wire))
  })

  it('counts the usage of the terminal event, failed ones included', async () => {
    expect((await relay([encoder.encode(responsesWire(loadFixture('responses-reasoning-function-calls.jsonl')))])).usages).toEqual([{ input_tokens: 10520, output_tokens: 142, cache_read_tokens: 9984 }])
    expect((await relay([encoder.encode(responsesWire(loadFixture('responses-failed.jsonl')))])).usages).toEqual([{ input_tokens: 120, output_tokens: 3 }])
  })

  it('ends a stream that breaks with the API error event, numbered after the last one relayed', async () => {
    const lines = loadFixture('responses-text.jsonl').slice(0, 5)
    const t = responsesPassthroughChunks({ model: 'gpt-public' })
    let text = new TextDecoder().decode(t.push(encoder.encode(responsesWire(lines)))!)
    text += new TextDecoder().decode(t.fail!('The backend stream was interrupted.')!)
    const events = await parseSSE(text)
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ type: 'error', code: 'server_error', message: 'The backend stream was interrupted.', param: null, sequence_number: 5 })
    expect(validateResponsesEvents(events)).toEqual([])
    expect(finalResponse(events)).toBeNull()
  })
})
