// The HTTP/1.1 response parser fed with bytes alone, no socket: every framing rule, the limits, and
// the protocol errors, each checked by what the parser reports.
import { describe, expect, test } from 'bun:test'
import { Http1Error } from './http1-error'
import { type BodyFraming, MAX_CHUNK_LINE_BYTES, MAX_HEAD_BYTES, ResponseParser } from './response-parser'

interface Recorded {
  heads: { status: number; headers: Record<string, string>; framing: BodyFraming; encoding: string }[]
  body: Buffer[]
  ends: number
  /** The order of events: h (head), b (body bytes), e (end of body). */
  order: string
}

function recorder(): { parser: ResponseParser; got: Recorded; text: () => string } {
  const got: Recorded = { heads: [], body: [], ends: 0, order: '' }
  const parser = new ResponseParser({
    onHead(status, headers, framing, encoding) {
      got.heads.push({ status, headers: Object.fromEntries(headers), framing, encoding })
      got.order += 'h'
    },
    onBody(bytes) {
      expect(bytes.byteLength).toBeGreaterThan(0)
      got.body.push(Buffer.from(bytes))
      got.order += 'b'
    },
    onBodyEnd() {
      got.ends++
      got.order += 'e'
    },
  })
  return { parser, got, text: () => Buffer.concat(got.body).toString() }
}

/** Feeds `wire` in pieces that end at each offset of `cuts`. */
function feedCut(parser: ResponseParser, wire: Buffer, cuts: number[]): void {
  let from = 0
  for (const cut of [...cuts, wire.byteLength]) {
    if (cut > from) parser.feed(wire.subarray(from, cut))
    from = Math.max(from, cut)
  }
}

function protocolError(run: () => void): Http1Error {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(Http1Error)
    expect((error as Http1Error).kind).toBe('protocol')
    return error as Http1Error
  }
  throw new Error('expected an Http1Error, nothing was thrown')
}

const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'
const EVENTS = ['data: {"a":1}\n\n', 'data: {"b":"ü"}\n\n', 'data: [DONE]\n\n']
const chunkedWire = (extension = '', trailers = '') => Buffer.from(SSE_HEAD + EVENTS.map((e) => `${Buffer.byteLength(e).toString(16)}${extension}\r\n${e}\r\n`).join('') + `0\r\n${trailers}\r\n`)

describe('ResponseParser', () => {
  test('reads a content-length body, reports the head once and ends the body at the length', () => {
    const { parser, got, text } = recorder()
    const body = 'é'.repeat(3000)
    const wire = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-multi: a\r\nx-multi: b\r\n\r\n${body}`)
    feedCut(parser, wire, [10, 60, 200, 1500, 4000])
    expect(got.heads).toEqual([{ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-multi': 'a, b' }, framing: 'length', encoding: '' }])
    expect(text()).toBe(body)
    expect(got.ends).toBe(1)
    expect(got.order).toMatch(/^hb+e$/)
    expect(parser.phase).toBe('done')
    expect(parser.keepAlive).toBe(true)
  })

  test('does not end a content-length body one byte early', () => {
    const { parser, got } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabcd'))
    expect(got.ends).toBe(0)
    expect(parser.phase).toBe('body')
    parser.feed(Buffer.from('e'))
    expect(got.ends).toBe(1)
  })

  test('decodes a chunked body split at every byte boundary', () => {
    const wire = chunkedWire()
    for (let cut = 1; cut < wire.byteLength; cut++) {
      const { parser, got, text } = recorder()
      feedCut(parser, wire, [cut])
      expect(text()).toBe(EVENTS.join(''))
      expect(got.ends).toBe(1)
      expect(got.heads.length).toBe(1)
      expect(got.heads[0]!.framing).toBe('chunked')
      expect(parser.phase).toBe('done')
    }
  })

  test('decodes a chunked body fed one byte at a time', () => {
    const { parser, got, text } = recorder()
    const wire = chunkedWire()
    for (let i = 0; i < wire.byteLength; i++) parser.feed(wire.subarray(i, i + 1))
    expect(text()).toBe(EVENTS.join(''))
    expect(got.ends).toBe(1)
    expect(parser.keepAlive).toBe(true)
  })

  test('drops chunk extensions and trailers, and ends only after the empty line that follows the trailers', () => {
    const { parser, got, text } = recorder()
    const wire = chunkedWire(';ext=1;name="v"', 'x-trailer: t\r\nx-other: u\r\n')
    const end = wire.byteLength - 2 // all but the final CRLF
    parser.feed(wire.subarray(0, end))
    expect(text()).toBe(EVENTS.join(''))
    expect(got.ends).toBe(0)
    parser.feed(wire.subarray(end))
    expect(got.ends).toBe(1)
    expect(text()).not.toContain('x-trailer')
  })

  test('reads a body framed by the connection close: it ends at endOfInput and the connection is not kept', () => {
    const { parser, got, text } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part '))
    parser.feed(Buffer.from('second part'))
    expect(got.heads[0]!.framing).toBe('close')
    expect(got.ends).toBe(0)
    expect(parser.keepAlive).toBe(false)
    expect(parser.endOfInput()).toBe(true)
    expect(got.ends).toBe(1)
    expect(text()).toBe('first part second part')
  })

  test('a close before a length- or chunk-framed body is complete does not end the body', () => {
    for (const wire of ['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc', `${SSE_HEAD}5\r\nab`, 'HTTP/1.1 200 OK\r\ncontent-le']) {
      const { parser, got } = recorder()
      parser.feed(Buffer.from(wire))
      expect(parser.endOfInput()).toBe(false)
      expect(got.ends).toBe(0)
    }
  })

  test('skips 100 Continue and 103 Early Hints before the real head', () => {
    const { parser, got, text } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'))
    expect(got.heads.map((h) => h.status)).toEqual([201])
    expect(got.heads[0]!.headers.link).toBeUndefined()
    expect(text()).toBe('ok')
    expect(got.ends).toBe(1)
  })

  test('a 204 and a 304 have no body, whatever their headers say', () => {
    for (const status of [204, 304]) {
      const { parser, got } = recorder()
      parser.feed(Buffer.from(`HTTP/1.1 ${status} X\r\ncontent-length: 10\r\ntransfer-encoding: chunked\r\n\r\n`))
      expect(got.heads[0]!.framing).toBe('none')
      expect(got.order).toBe('he')
      expect(parser.phase).toBe('done')
      expect(parser.keepAlive).toBe(true)
    }
  })

  test('content-length 0 has no body', () => {
    const { parser, got } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'))
    expect(got.heads[0]!.framing).toBe('none')
    expect(got.order).toBe('he')
  })

  test('keep-alive follows the version and the connection header; a coding other than chunked is framed by close', () => {
    const keepAlive = (head: string) => {
      const { parser } = recorder()
      parser.feed(Buffer.from(`${head}content-length: 0\r\n\r\n`))
      return parser.keepAlive
    }
    expect(keepAlive('HTTP/1.1 200 OK\r\n')).toBe(true)
    expect(keepAlive('HTTP/1.1 200 OK\r\nconnection: close\r\n')).toBe(false)
    expect(keepAlive('HTTP/1.0 200 OK\r\n')).toBe(false)
    expect(keepAlive('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\n')).toBe(true)
    const { parser, got } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nxyz'))
    expect(got.heads[0]!.framing).toBe('close')
    expect(parser.keepAlive).toBe(false)
  })

  test('reports a content-encoding other than identity, in lower case', () => {
    const encoding = (value: string) => {
      const { parser, got } = recorder()
      parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\ncontent-encoding: ${value}\r\ncontent-length: 1\r\n\r\nx`))
      return got.heads[0]!.encoding
    }
    expect(encoding('GZIP')).toBe('gzip')
    expect(encoding('identity')).toBe('')
  })

  test('resets for the next response on the same connection', () => {
    const { parser, got } = recorder()
    parser.feed(Buffer.from(`${SSE_HEAD}3\r\nabc\r\n0\r\n\r\n`))
    parser.reset()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'))
    expect(got.heads.map((h) => h.framing)).toEqual(['chunked', 'length'])
    expect(got.ends).toBe(2)
  })

  test('refuses a head larger than 64 KB that has not ended, and accepts one just under', () => {
    const { parser } = recorder()
    parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES - 100)}`))
    expect(protocolError(() => parser.feed(Buffer.from('a'.repeat(200)))).code).toBe('EHEADTOOLARGE')
    const fits = recorder()
    fits.parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES - 100)}`))
    fits.parser.feed(Buffer.from('\r\ncontent-length: 0\r\n\r\n'))
    expect(fits.got.heads.length).toBe(1)
  })

  test('refuses bad status lines and codes', () => {
    for (const line of ['HTTP/2 200 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 200OK', 'ICY 200 OK', 'HTTP/1.1 600 Nope', 'HTTP/1.1 101 Switching Protocols']) {
      const { parser, got } = recorder()
      expect(protocolError(() => parser.feed(Buffer.from(`${line}\r\ncontent-length: 0\r\n\r\n`))).code).toBe('EBADSTATUS')
      expect(got.heads.length).toBe(0)
    }
  })

  test('refuses a header line without a name', () => {
    for (const line of ['no colon here', ': no name']) {
      const { parser } = recorder()
      expect(protocolError(() => parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`))).code).toBe('EBADHEADER')
    }
  })

  test('refuses conflicting or malformed content-lengths, and accepts a repeated equal one', () => {
    for (const lengths of [['2', '3'], ['-1'], ['1e3'], ['']]) {
      const { parser } = recorder()
      const head = lengths.map((l) => `content-length: ${l}\r\n`).join('')
      expect(protocolError(() => parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\n${head}\r\nabc`))).code).toBe('EBADLENGTH')
    }
    const { parser, text } = recorder()
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\nabc'))
    expect(text()).toBe('abc')
  })

  test('refuses an invalid chunk size, a chunk not followed by its line end, and an endless chunk line', () => {
    const bad = (rest: string) => {
      const { parser } = recorder()
      return protocolError(() => parser.feed(Buffer.from(SSE_HEAD + rest))).code
    }
    expect(bad('zz\r\n')).toBe('EBADCHUNK')
    expect(bad('-1\r\n')).toBe('EBADCHUNK')
    expect(bad('1234567890abc\r\n')).toBe('EBADCHUNK') // more than 12 hex digits
    expect(bad('3\r\nabcX\r\n')).toBe('EBADCHUNK')
    expect(bad(`3;${'e'.repeat(MAX_CHUNK_LINE_BYTES)}`)).toBe('EBADCHUNK')
    // A chunk line just within the limit is waited for.
    const { parser, text } = recorder()
    parser.feed(Buffer.from(`${SSE_HEAD}3;${'e'.repeat(MAX_CHUNK_LINE_BYTES - 10)}`))
    parser.feed(Buffer.from('\r\nabc\r\n'))
    expect(text()).toBe('abc')
  })

  test('refuses bytes after a complete response, after reporting that response whole', () => {
    const { parser, got, text } = recorder()
    expect(protocolError(() => parser.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}garbage'))).code).toBe('EEXTRABYTES')
    expect(text()).toBe('{}')
    expect(got.ends).toBe(1)
  })

  test('after stop(), no more events: further bytes are refused', () => {
    const { parser, got } = recorder()
    parser.feed(Buffer.from(`${SSE_HEAD}3\r\nab`))
    parser.stop()
    expect(parser.endOfInput()).toBe(false)
    protocolError(() => parser.feed(Buffer.from('c\r\n0\r\n\r\n')))
    expect(got.order).toBe('hb')
  })

  test('hands body bytes over as views of the input, without copying', () => {
    const views: Uint8Array[] = []
    const parser = new ResponseParser({ onHead() {}, onBody: (b) => views.push(b), onBodyEnd() {} })
    const input = Buffer.from(`${SSE_HEAD}5\r\nhello\r\n`)
    parser.feed(input)
    expect(views.length).toBe(1)
    expect(views[0]!.buffer).toBe(input.buffer)
  })
})
