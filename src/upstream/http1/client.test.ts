// The HTTP/1.1 client end to end against a fake upstream that sends exact bytes: reuse, framing on
// the wire, retries, timeouts, aborts, backpressure, and what an open stream keeps alive.
import { afterEach, describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { heapObjects } from '../../../test/helpers/heap-objects'
import { flood, http1To, httpChunk, type RawServer, rawServer, SSE_HEAD, stalledAt, stopRawServers } from '../../../test/helpers/raw-http-server'
import { waitFor } from '../../../test/helpers/wait-for'
import { closeIdleHttp1Connections, Http1Error, type Http1Request, http1IdleConnections, pushSourceOf } from './index'

afterEach(() => {
  closeIdleHttp1Connections()
  stopRawServers()
})


const request = (server: RawServer, over: Partial<Http1Request> = {}) => http1To(server, { path: '/v1/chat/completions', body: '{"model":"m"}', ...over })

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`

describe('http1 client against a fake upstream speaking raw HTTP/1.1', () => {
  test('sends the request line, host, length and headers, and reads a content-length answer that arrives in pieces', async () => {
    const body = JSON.stringify({ id: 'x', text: 'é'.repeat(5000) })
    const server = rawServer(async (_req, socket) => {
      const whole = Buffer.from(ok(body, 'x-multi: a\r\nx-multi: b\r\n'))
      for (let i = 0; i < whole.byteLength; i += 1500) {
        socket.write(whole.subarray(i, i + 1500))
        await Bun.sleep(2)
      }
    })
    const res = await request(server, { body: '{"model":"ü"}', headers: { 'content-type': 'application/json', 'x-request-id': 'r1' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-multi')).toBe('a, b')
    expect(await res.text()).toBe(body)
    const head = server.requests[0]!.head
    expect(head.split('\r\n')[0]).toBe('POST /v1/chat/completions HTTP/1.1')
    expect(head).toContain(`host: 127.0.0.1:${server.port}`)
    expect(head).toContain('content-length: 14') // bytes, not characters
    expect(head).toContain('x-request-id: r1')
    expect(server.requests[0]!.body.toString()).toBe('{"model":"ü"}')
  })

  test('reuses a kept-alive connection, and opens a new one after "connection: close"', async () => {
    let close = false
    const server = rawServer((_req, socket) => {
      socket.write(ok('{}', close ? 'connection: close\r\n' : ''))
      if (close) socket.end()
    })
    for (let i = 0; i < 3; i++) expect(await (await request(server)).text()).toBe('{}')
    expect(server.connections).toBe(1)
    expect(http1IdleConnections('127.0.0.1', server.port)).toBe(1)
    close = true
    await (await request(server)).text()
    expect(http1IdleConnections('127.0.0.1', server.port)).toBe(0)
    close = false
    await (await request(server)).text()
    expect(server.connections).toBe(2)
    expect(server.requests.map((r) => r.connection)).toEqual([1, 1, 1, 1, 2])
  })

  test('decodes a chunked event stream split at every byte, with chunk extensions and trailers', async () => {
    const events = ['data: {"a":1}\n\n', 'data: {"b":"ü"}\n\n', 'data: [DONE]\n\n']
    const server = rawServer(async (_req, socket) => {
      let wire = SSE_HEAD
      for (const e of events) wire += `${Buffer.byteLength(e).toString(16)};ext=1\r\n${e}\r\n`
      wire += '0\r\nx-trailer: t\r\n\r\n'
      const bytes = Buffer.from(wire)
      for (let i = 0; i < bytes.byteLength; i++) {
        socket.write(bytes.subarray(i, i + 1))
        if (i % 16 === 0) await Bun.sleep(0)
      }
    })
    const res = await request(server)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    expect(await res.text()).toBe(events.join(''))
    await request(server).then((r) => r.text())
    expect(server.connections).toBe(1) // the stream ended cleanly, so the connection was reused
  })

  test('reads a body framed by connection close, and never reuses that connection', async () => {
    const server = rawServer(async (_req, socket) => {
      socket.write('HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part ')
      await Bun.sleep(20)
      socket.end('second part')
    })
    expect(await (await request(server)).text()).toBe('first part second part')
    expect(await (await request(server)).text()).toBe('first part second part')
    expect(server.connections).toBe(2)
  })

  test('skips 100 Continue and reads the answer that follows', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(`HTTP/1.1 100 Continue\r\n\r\n${ok('{"done":true}')}`)
    })
    const res = await request(server)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ done: true })
  })

  test('sends a request again on a new connection when a reused one turns out closed before any answer', async () => {
    const server = rawServer((req, socket) => {
      // The first connection answers once, then drops the next request without a byte.
      if (req.connection === 1 && server.requests.filter((r) => r.connection === 1).length > 1) socket.terminate()
      else socket.write(ok(`{"conn":${req.connection}}`))
    })
    expect(await (await request(server)).json()).toEqual({ conn: 1 })
    expect(await (await request(server)).json()).toEqual({ conn: 2 })
    expect(server.requests.length).toBe(3)
  })

  test('a new connection closed before any answer fails once, without a second try', async () => {
    const server = rawServer((_req, socket) => socket.terminate())
    const error = await request(server).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Http1Error)
    expect((error as Http1Error).kind).toBe('closed')
    expect(server.requests.length).toBe(1)
  })

  test('a connection cut mid-body fails the body, not silently truncates it', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + httpChunk('hello'))
      setTimeout(() => socket.terminate(), 20)
    })
    const res = await request(server)
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('hello')
    const error = await reader.read().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Http1Error)
    expect((error as Http1Error).kind).toBe('closed')
  })

  test('refuses malformed answers: bad status line, bad chunk size, conflicting lengths, oversized head', async () => {
    const answers = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc',
      `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}`,
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    ]
    for (const answer of answers) {
      const server = rawServer((_req, socket) => {
        socket.write(answer)
      })
      const error = await request(server)
        .then((r) => r.text())
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Http1Error)
      expect((error as Http1Error).kind).toBe('protocol')
    }
  })

  test('a head that does not come in time fails as a first-byte timeout and closes the connection', async () => {
    const server = rawServer(() => {})
    const error = await request(server, { firstByteMs: 150 }).catch((e: unknown) => e)
    expect((error as Http1Error).kind).toBe('first-byte-timeout')
    expect((error as Error).name).toBe('TimeoutError')
    expect(await waitFor(() => server.closed === 1)).toBe(true)
  })

  test('a stream that goes silent fails with a TimeoutError after the idle limit', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + httpChunk('abc'))
    })
    const res = await request(server, { idleMs: 200 })
    const reader = res.body!.getReader()
    expect((await reader.read()).value?.byteLength).toBe(3)
    const error = await reader.read().catch((e: unknown) => e)
    expect((error as Error).name).toBe('TimeoutError')
    expect((error as Http1Error).kind).toBe('idle-timeout')
  })

  test('an aborted request rejects with the abort reason and closes its connection', async () => {
    const server = rawServer(() => {})
    const controller = new AbortController()
    const pending = request(server, { signal: controller.signal })
    expect(await waitFor(() => server.requests.length === 1)).toBe(true)
    controller.abort(new DOMException('client gone', 'AbortError'))
    const error = await pending.catch((e: unknown) => e)
    expect((error as Error).name).toBe('AbortError')
    expect(await waitFor(() => server.closed === 1)).toBe(true)
  })

  test('hands over a body of known length as it arrives instead of collecting it whole', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n{"error":"first part`)
    })
    const res = await request(server)
    expect(res.status).toBe(500)
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"error":"first part')
    await reader.cancel()
  })

  test('a connection that ended its body while paused for a slow reader serves the next request', async () => {
    const server = rawServer((req, socket) => {
      // Enough chunks in one write for the client to pause before it reads the last one.
      if (server.requests.length === 1) socket.write(SSE_HEAD + Array.from({ length: 40 }, (_, i) => httpChunk(`c${i} `)).join('') + '0\r\n\r\n')
      else socket.write(ok(`{"conn":${req.connection}}`))
    })
    const first = await request(server)
    expect((await first.text()).split(' ').length).toBe(41)
    expect(await (await request(server, { firstByteMs: 1_000 })).json()).toEqual({ conn: 1 })
  })

  test('cancelling a streamed body closes the connection instead of returning it to the pool', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + httpChunk('abc'))
    })
    const res = await request(server)
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    expect(await waitFor(() => server.closed === 1)).toBe(true)
    expect(http1IdleConnections('127.0.0.1', server.port)).toBe(0)
  })

  test('sends a large request body whole and reads a large binary answer intact', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024) + 'ü'
    const answer = Buffer.from(crypto.getRandomValues(new Uint8Array(2 * 1024 * 1024)))
    const server = rawServer((req, socket) => {
      const wire = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${answer.byteLength}\r\nx-got: ${req.body.byteLength}\r\n\r\n`), answer])
      let offset = 0
      const pump = () => {
        while (offset < wire.byteLength) {
          const n = socket.write(wire.subarray(offset))
          if (n <= 0) return void setTimeout(pump, 1)
          offset += n
        }
      }
      pump()
    })
    const res = await request(server, { body: big })
    expect(res.headers.get('x-got')).toBe(String(Buffer.byteLength(big)))
    expect(server.requests[0]!.body.toString().endsWith('xü')).toBe(true)
    const got = Buffer.from(await res.arrayBuffer())
    expect(got.equals(answer)).toBe(true)
  })

  test('stops reading the socket while the body is not consumed (backpressure)', async () => {
    let upstream = { written: 0 }
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD)
      upstream = flood(socket, httpChunk('y'.repeat(64 * 1024)))
    })
    const res = await request(server)
    // 128 MB offered; the client holds a few chunks plus what the kernel's socket buffers hold.
    const written = await stalledAt(upstream)
    expect(written).not.toBeNull()
    expect(written!).toBeLessThan(16 * 1024 * 1024)
    await res.body!.cancel()
  })

  test('decodes gzip bodies a server sends although identity was asked for', async () => {
    const json = JSON.stringify({ text: 'z'.repeat(10_000) })
    const gz = gzipSync(json)
    const server = rawServer((_req, socket) => {
      if (server.requests.length === 1) {
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.byteLength}\r\n\r\n`), gz]))
      } else {
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n${gz.byteLength.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]))
      }
    })
    expect(await (await request(server)).text()).toBe(json)
    expect(await (await request(server)).text()).toBe(json)
    for (const r of server.requests) expect(r.head).toContain('accept-encoding: identity')
  })

  test('refuses header values with line breaks before anything is sent', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(ok('{}'))
    })
    const error = await request(server, { headers: { 'x-evil': 'a\r\nx-injected: 1' } }).catch((e: unknown) => e)
    expect((error as Http1Error).kind).toBe('protocol')
    // The client closes the connection it opened; bytes sent before would have arrived first.
    expect(await waitFor(() => server.closed === 1)).toBe(true)
    expect(server.requests.length).toBe(0)
  })

  test('a port nobody listens on fails as a connect error with its code', async () => {
    const server = rawServer(() => {})
    const port = server.port
    server.listener.stop(true)
    const error = await request(server, { port, authority: `127.0.0.1:${port}` }).catch((e: unknown) => e)
    expect((error as Http1Error).kind).toBe('connect')
    expect((error as Http1Error).code).toBe('ECONNREFUSED')
  })

  test('an open stream pushed into a sink keeps neither its Response nor its ReadableStream alive', async () => {
    // Each answer starts and stays open, as a long generation does.
    const server = rawServer((_req, socket) => {
      socket.write(SSE_HEAD + httpChunk('data: {"n":1}\n\n'))
    })
    const sinks: string[][] = []
    const open = async () => {
      const res = await request(server)
      const chunks: string[] = []
      sinks.push(chunks)
      pushSourceOf(res.body!)!.attach({ chunk: (b) => chunks.push(new TextDecoder().decode(b)), end() {}, error() {} })
    }
    await open() // the first call's one-off objects are not the stream's
    Bun.gc(true)
    const responses = heapObjects('Response')
    const streams = heapObjects('ReadableStream')
    for (let i = 0; i < 50; i++) await open()
    expect(await waitFor(() => sinks.every((c) => c.length === 1))).toBe(true)
    Bun.gc(true)
    // 50 open streams; before the fix each kept both (+50 and +50).
    expect(heapObjects('Response') - responses).toBeLessThan(10)
    expect(heapObjects('ReadableStream') - streams).toBeLessThan(10)
    expect(server.requests.length).toBe(51)
  })

  test('bytes after a complete answer make the connection unusable', async () => {
    const server = rawServer((_req, socket) => {
      socket.write(`${ok('{}')}garbage`)
    })
    expect(await (await request(server)).text()).toBe('{}')
    expect(await waitFor(() => http1IdleConnections('127.0.0.1', server.port) === 0)).toBe(true)
    await (await request(server)).text()
    expect(server.connections).toBe(2)
  })
})
