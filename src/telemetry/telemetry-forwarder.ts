// Forwards the OpenTelemetry data Claude Code sends the gateway (OTLP/HTTP, protobuf or JSON,
// compressed or not) verbatim to the operator's collectors (`telemetry.forward_to`). A request
// only enqueues: a bounded queue (by count and by bytes) is emptied by a few workers in the
// background, so a slow or dead collector never slows a request; what does not fit is dropped and
// counted, as is what a collector refuses.

export type OtlpSignal = 'metrics' | 'logs' | 'traces'

export interface TelemetryBatch {
  signal: OtlpSignal
  body: Uint8Array
  contentType: string
  /** `gzip` when the client compressed it; passed on as it came. */
  contentEncoding: string | null
}

export type DropReason = 'queue_full' | 'collector_error' | 'closed'

export interface TelemetryForwarderOptions {
  /** Collector base URLs; each batch goes to `<url>/v1/<signal>` of every one. */
  targets: string[]
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
  maxQueued?: number
  maxQueuedBytes?: number
  concurrency?: number
  timeoutMs?: number
  onDrop?: (reason: DropReason, target: string) => void
  onForwarded?: (target: string) => void
}

export interface TelemetryForwarder {
  /** Never waits: false when the batch was dropped (queue full, closed). */
  enqueue(batch: TelemetryBatch): boolean
  readonly queued: number
  /** Stops taking batches, lets the workers finish what is queued within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>
}

interface Delivery {
  target: string
  batch: TelemetryBatch
}

export function createTelemetryForwarder(options: TelemetryForwarderOptions): TelemetryForwarder {
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init))
  const maxQueued = options.maxQueued ?? 1_000
  const maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024
  const concurrency = options.concurrency ?? 2
  const timeoutMs = options.timeoutMs ?? 5_000
  const onDrop = options.onDrop ?? (() => {})
  const onForwarded = options.onForwarded ?? (() => {})
  const queue: Delivery[] = []
  let head = 0
  let queuedBytes = 0
  let running = 0
  let closed = false
  let idle: (() => void) | null = null

  async function deliver({ target, batch }: Delivery): Promise<void> {
    const headers: Record<string, string> = { 'content-type': batch.contentType }
    if (batch.contentEncoding) headers['content-encoding'] = batch.contentEncoding
    try {
      const response = await fetchImpl(`${target}/v1/${batch.signal}`, { method: 'POST', headers, body: batch.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
      await response.arrayBuffer().catch(() => {})
      if (response.ok) onForwarded(target)
      else onDrop('collector_error', target)
    } catch {
      onDrop('collector_error', target)
    }
  }

  async function work(): Promise<void> {
    running++
    try {
      while (head < queue.length) {
        const next = queue[head]!
        queue[head++] = undefined as unknown as Delivery
        queuedBytes -= next.batch.body.byteLength
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head)
          head = 0
        }
        await deliver(next)
      }
    } finally {
      running--
      if (running === 0 && idle) idle()
    }
  }

  return {
    enqueue(batch) {
      if (options.targets.length === 0) return true
      if (closed) {
        for (const target of options.targets) onDrop('closed', target)
        return false
      }
      const pending = queue.length - head
      if (pending + options.targets.length > maxQueued || queuedBytes + batch.body.byteLength * options.targets.length > maxQueuedBytes) {
        for (const target of options.targets) onDrop('queue_full', target)
        return false
      }
      for (const target of options.targets) {
        queue.push({ target, batch })
        queuedBytes += batch.body.byteLength
      }
      while (running < concurrency && running < queue.length - head) void work()
      return true
    },
    get queued() {
      return queue.length - head
    },
    async close(closeTimeoutMs = 5_000) {
      closed = true
      if (running === 0) return
      await Promise.race([new Promise<void>((resolve) => (idle = resolve)), Bun.sleep(closeTimeoutMs)])
    },
  }
}
