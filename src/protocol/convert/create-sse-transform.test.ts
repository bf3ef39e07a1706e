import { expect, it } from 'bun:test'
import { runTransform } from '../../../test/helpers/replay-stream'
import { toTransformStream } from '../chunk-transform'
import { createSSETransform } from './create-sse-transform'

const encoder = new TextEncoder()

it('hands each parsed event to the handler and calls end once after the last', async () => {
  const seen: string[] = []
  const transform = createSSETransform((enqueue) => ({
    event: (e) => (seen.push(e.data), enqueue(`${e.data};`)),
    end: () => enqueue('end'),
    fail: () => {},
  }))
  expect(await runTransform(toTransformStream(transform), [encoder.encode('data: a\n\nda'), encoder.encode('ta: b\n\n')])).toBe('a;b;end')
  expect(seen).toEqual(['a', 'b'])
})

it('turns a handler that throws into the handler\'s error output instead of a failed stream', async () => {
  const transform = createSSETransform((enqueue) => ({
    event: () => {
      throw new Error('bug')
    },
    end: () => {},
    fail: (message) => enqueue(`error: ${message}`),
  }))
  expect(await runTransform(toTransformStream(transform), [encoder.encode('data: x\n\n')])).toBe('error: the gateway could not translate the upstream stream')
})
