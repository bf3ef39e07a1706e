// Step four: the backend answered 2xx; send its answer to the client in the client's format.
// A whole JSON answer is read, translated and sent (or sent byte for byte when nothing in it
// changes); a stream is relayed chunk by chunk through the translator, never buffered.
import { GatewayError } from '../errors/gateway-error'
import type { StreamPlan, TranslationTarget, Translator } from '../protocol/translators'
import type { BackendResponse } from '../upstream/call-backend'
import { AnswerTooLargeError, readAnswerText } from '../upstream/read-answer-text'
import { relayStream, type StreamOutcome } from '../upstream/relay-stream'
import type { Admission } from './admit-request'
import type { ProxyDeps, ProxyRequest } from './proxy-request'

const KEEP_ALIVE_MS = 15_000

/** An answer on its way back: what both ways of relaying it need of the attempt that got it. */
export interface Answer {
  req: ProxyRequest
  translator: Translator
  plan: StreamPlan
  target: TranslationTarget
  backendName: string
  called: BackendResponse
  admission: Admission
  /** The answer's headers as the attempt built them; the relay adds its own. */
  headers: Record<string, string>
  /** When the backend was called (performance.now()), for the time to the first token. */
  started: number
}

/** The non-streamed answer. */
export async function relayJson(answer: Answer): Promise<Response> {
  const { req, translator, plan, target, backendName, called, admission, headers } = answer
  const upstream = called.response
  // A passthrough answer is kept as text, so that it can go out as it came when nothing in it
  // changes. A SyntaxError is a body that is not JSON, a TimeoutError a backend gone silent;
  // anything else means the connection ended before the body did.
  let parsed: unknown
  let text: string | null = null
  try {
    const read = await readAnswerText(upstream)
    parsed = JSON.parse(read)
    if (translator.passthrough) text = read
  } catch (error) {
    admission.giveBack()
    if (req.signal?.aborted) throw new GatewayError(499 as number, 'api_error', 'The client closed the request.')
    if (error instanceof AnswerTooLargeError) throw new GatewayError(502, 'api_error', `Backend "${backendName}" answered with more than the gateway relays whole.`)
    if (error instanceof SyntaxError) throw new GatewayError(502, 'api_error', `Backend "${backendName}" answered with something that is not JSON.`)
    // Silent past its idle limit in the middle of the body: a timeout, as before the first byte.
    if ((error as Error)?.name === 'TimeoutError') throw new GatewayError(504, 'api_error', `Backend "${backendName}" timed out.`)
    throw new GatewayError(502, 'api_error', `Backend "${backendName}" closed the connection before the response was complete.`)
  } finally {
    called.release()
  }
  const { body, usage, changed } = translator.response(parsed, target, plan)
  // As it came only when it names one model: a second "model" key (nested, or a duplicate the
  // parse dropped) gets the answer written anew, so no upstream name slips through.
  const asItCame = !changed && text !== null && text.indexOf('"model"') === text.lastIndexOf('"model"')
  let out: string
  try {
    out = asItCame ? text! : JSON.stringify(body)
  } catch {
    // Nested too deeply to write again: the backend's answer is at fault, not the request.
    admission.giveBack()
    throw new GatewayError(502, 'api_error', `Backend "${backendName}" answered with JSON the gateway cannot relay.`)
  }
  if (usage) admission.recordUsage(usage)
  return new Response(out, { status: upstream.status, headers })
}

/**
 * The streamed answer. Not an async function on purpose: an async function keeps every variable
 * that lives across an await in one heap scope, which the stream's callbacks would then keep for
 * the stream's whole life, the parsed request body (a few hundred KB for Claude Code) included.
 * Here the callbacks capture only the locals they use, never `answer` (which holds the request).
 */
export function relayStreamed(deps: ProxyDeps, answer: Answer): Response {
  const { metrics, streams } = deps
  const { translator, plan, target, backendName, called, admission, started, headers } = answer
  const record = answer.req.record
  const body = called.response.body!
  // Only the lease: the upstream Response (and its body stream) need not live as long as the relay.
  const release = called.release
  let usageRecorded = false
  const transform = translator.stream(plan, target, (usage) => {
    usageRecorded = true
    admission.recordUsage(usage)
  })
  admission.holdUntilStreamEnds()
  streams.open()
  metrics.openStreams.inc()
  let firstChunk = true
  let streamEnded: (outcome: StreamOutcome) => void = () => {}
  if (record) record.streamEnd = new Promise((resolve) => (streamEnded = resolve))
  const relayed = relayStream(body, {
    transform,
    errorEvent: translator.errorEvent,
    keepAlive: translator.keepAlive ? { everyMs: KEEP_ALIVE_MS, bytes: translator.keepAlive } : undefined,
    onFirstChunk: () => {
      if (!firstChunk) return
      firstChunk = false
      metrics.timeToFirstToken.observe({ backend: backendName }, (performance.now() - started) / 1000)
    },
    onEnd: (outcome: StreamOutcome) => {
      release()
      streams.close()
      metrics.openStreams.dec()
      if (outcome === 'error') metrics.upstreamErrors.inc({ backend: backendName, kind: 'stream' })
      // Cut short before the upstream reported its usage (the client left, the upstream broke):
      // what was delivered is charged all the same, estimated from what went out.
      if (!usageRecorded) {
        const soFar = transform.usageSoFar?.()
        if (soFar) admission.recordUsage(soFar)
      }
      admission.finish()
      streamEnded(outcome)
    },
  })
  headers['content-type'] = 'text/event-stream; charset=utf-8'
  headers['cache-control'] = 'no-cache'
  return new Response(relayed, { status: 200, headers })
}
