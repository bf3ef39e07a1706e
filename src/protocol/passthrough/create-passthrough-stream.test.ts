import { describe, expect, it } from 'bun:test'
import { runTransform } from '../../../test/helpers/replay-stream'
import { createPassthroughStream } from './create-passthrough-stream'

const encoder = new TextEncoder()
const sse = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`

describe('createPassthroughStream', () => {
  it('rewrites the model of message_start and reads the usage of message_start and message_delta', async () => {
    let usage: unknown
    const t = createPassthroughStream({ format: 'anthropic', model: 'claude-public', onUsage: (u) => (usage = u) })
    const out = await runTransform(t, [
      encoder.encode(sse('message_start', '{"type":"message_start","message":{"model":"upstream-name","usage":{"input_tokens":7,"output_tokens":1}}}')),
      encoder.encode(sse('message_delta', '{"type":"message_delta","usage":{"output_tokens":9}}')),
    ])
    expect(out).toContain('"model":"claude-public"')
    expect(out).not.toContain('upstream-name')
    expect(usage).toEqual({ input_tokens: 7, output_tokens: 9 })
  })

  it('passes malformed message_start and message_delta events on as they came, without breaking the stream', async () => {
    let usage: unknown
    const t = createPassthroughStream({ format: 'anthropic', model: 'claude-public', onUsage: (u) => (usage = u) })
    const events = [sse('message_start', 'null'), sse('message_start', '{"type":"message_start","message":"x"}'), sse('message_delta', '[1,2]'), sse('message_delta', '{"type":"message_delta","usage":{"output_tokens":3}}')]
    const out = await runTransform(t, events.map((e) => encoder.encode(e)))
    expect(out).toBe(events.join(''))
    expect(usage).toEqual({ input_tokens: 0, output_tokens: 3 })
  })
})
