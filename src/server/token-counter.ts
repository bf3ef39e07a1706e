// Counts the tokens of count_tokens' text on a worker thread (./token-count-worker.ts), started on
// the first count and kept for the life of the process: the tokenizer's load (~0.7 s) and its work
// never run on the thread that serves requests, so /health and every other request go on meanwhile.
// Bounded: at most MAX_QUEUE counts wait for the worker and each gets TIMEOUT_MS; beyond either, the
// answer is the plain estimate of four characters a token, and a worker that overran is replaced.
import { MAX_EXACT_CHARS } from '../protocol/tokens/gather-input-text'

export type CountTextTokens = (text: string) => Promise<number>

export interface TokenCounterOptions {
  maxQueue?: number
  timeoutMs?: number
}

const MAX_QUEUE = 64
const TIMEOUT_MS = 10_000

/**
 * Where the worker's module is. From source, beside this file. In the compiled binary every module
 * is bundled into the entry point (import.meta.url names it), and the worker, an entry point of its
 * own (package.json `build`), sits at its path under src/ inside the binary's file system.
 */
function workerPath(): string {
  return import.meta.url.startsWith('file:///$bunfs/') ? './server/token-count-worker.ts' : new URL('./token-count-worker.ts', import.meta.url).href
}

/** What a text of this length costs when the tokenizer cannot be asked. */
export const roughTokens = (length: number) => Math.ceil(length / 4)

interface Pending {
  resolve: (tokens: number) => void
  /** The text's length, for the fallback: never the text, which may be megabytes. */
  length: number
  timer: ReturnType<typeof setTimeout>
}

export function createTokenCounter(options: TokenCounterOptions = {}): { count: CountTextTokens; close(): void } {
  const maxQueue = options.maxQueue ?? MAX_QUEUE
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS
  let worker: Worker | null = null
  let nextId = 0
  const pending = new Map<number, Pending>()

  function settleAll(): void {
    for (const [id, p] of pending) {
      clearTimeout(p.timer)
      p.resolve(roughTokens(p.length))
      pending.delete(id)
    }
  }

  function replaceWorker(): void {
    worker?.terminate()
    worker = null
    settleAll()
  }

  function workerOf(): Worker {
    if (worker) return worker
    const w = new Worker(workerPath())
    w.unref()
    w.onmessage = (event: MessageEvent<{ id: number; tokens?: number; error?: string }>) => {
      const p = pending.get(event.data.id)
      if (!p) return
      pending.delete(event.data.id)
      clearTimeout(p.timer)
      p.resolve(typeof event.data.tokens === 'number' ? event.data.tokens : roughTokens(p.length))
    }
    w.onerror = () => {
      if (worker === w) replaceWorker()
    }
    worker = w
    return w
  }

  return {
    count(text) {
      if (pending.size >= maxQueue) return Promise.resolve(roughTokens(text.length))
      return new Promise<number>((resolve) => {
        const id = nextId++
        const timer = setTimeout(() => {
          if (!pending.has(id)) return
          // A count that overran means a worker stuck on it: the rest wait behind it no longer.
          replaceWorker()
        }, timeoutMs)
        timer.unref?.()
        pending.set(id, { resolve, length: text.length, timer })
        try {
          // Only what is tokenized crosses to the worker; the total length gives the rate for the rest.
          workerOf().postMessage({ id, text: text.length > MAX_EXACT_CHARS ? text.slice(0, MAX_EXACT_CHARS) : text, total: text.length })
        } catch {
          replaceWorker()
        }
      })
    },
    close() {
      worker?.terminate()
      worker = null
      settleAll()
    },
  }
}

let shared: ReturnType<typeof createTokenCounter> | null = null

/** The process's one counter (one worker, whatever number of config reloads). */
export function processTokenCounter(): CountTextTokens {
  shared ??= createTokenCounter()
  return shared.count
}
