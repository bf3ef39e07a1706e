import { expect, it } from 'bun:test'
import { parseToolArguments } from './parse-tool-arguments'
import { sanitizeToolId } from './sanitize-tool-id'

it('parses tool arguments, giving {} for empty, invalid or non-object JSON', () => {
  expect(parseToolArguments('{"a":[1]}')).toEqual({ a: [1] })
  expect(parseToolArguments('')).toEqual({})
  expect(parseToolArguments('{"a":')).toEqual({})
  expect(parseToolArguments('[1,2]')).toEqual({})
  expect(parseToolArguments(undefined)).toEqual({})
})

it('keeps valid tool ids, replaces characters Anthropic rejects, and invents one when missing', () => {
  expect(sanitizeToolId('toolu_01A-b')).toBe('toolu_01A-b')
  expect(sanitizeToolId('call.1:x y')).toBe('call_1_x_y')
  expect(sanitizeToolId(undefined)).toMatch(/^toolu_[a-zA-Z0-9]+$/)
})
