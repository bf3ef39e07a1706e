// A keep-alive HTTP/1.1 client for plain-HTTP upstreams (in-cluster vLLM, KServe, a local model
// server) that runs on the JavaScript thread and answers with a standard Response. The gateway
// sends its streamed requests through it (see callUpstream): Bun's fetch() keeps per-request
// buffers on its own HTTP thread and reports ~128 KB of extra memory per open response to the
// garbage collector, and 1,000 open streams took ~4-5 MB more RSS through fetch() than through
// this client (bench/PROFILE.md). Short requests stay on fetch(): there its HTTP thread takes work
// off the JavaScript thread, which is the gateway's bottleneck under load (measured: moving them
// here cost ~10 % throughput). HTTPS and proxied upstreams stay on fetch() too.
//
// What it does: one request at a time per connection, idle connections kept per origin and reused;
// bodies framed by content-length, chunked transfer coding or connection close, every one handed
// over as it arrives (never collected whole); 1xx answers skipped; gzip/deflate bodies decoded (it
// asks for identity, so only a server that ignores that sends them); backpressure; a deadline for
// the response head and an idle limit for the whole exchange; one retry for the keep-alive race.
//
// The parts, top to bottom: client.ts (the entry point, the per-origin pools and the shared timer)
// uses connection.ts (one connection and its exchange), which uses response-parser.ts (bytes in,
// head and body events out), streamed-body.ts (the Response's body, readable or pushed) and
// request.ts (the request and its head); http1-error.ts is the one error type of them all.
export { closeIdleHttp1Connections, http1IdleConnections, http1Request } from './client'
export { Http1Error, type Http1ErrorKind } from './http1-error'
export type { Http1Request } from './request'
export { type PushSink, type PushSource, pushSourceOf } from './streamed-body'
