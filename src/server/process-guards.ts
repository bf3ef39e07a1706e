// The last line of defence of a serving process: a promise rejected with no handler or an error
// thrown from a callback nobody catches is logged and the gateway keeps serving. One bad request,
// or one library's stray callback, must not take down every stream of the pod; the error is a bug
// to fix, and the log says so, without the secrets an error message may quote.
import type { Logger } from '../logging/logger'

export interface ProcessEvents {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (error: unknown) => void): unknown
}

const MAX_MESSAGE = 500

/** An error's name, message and top frames, with what looks like a credential masked. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}\n${(error.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(error)
  return text
    .replace(/\/\/[^/\s@]*@/g, '//***@')
    .replace(/\b(sk-[A-Za-z0-9_-]{2})[A-Za-z0-9_-]{6,}/g, '$1***')
    .replace(/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, 'eyJ***')
    .replace(/(bearer\s+)\S+/gi, '$1***')
    .slice(0, MAX_MESSAGE)
}

export function installProcessGuards(log: Logger, events: ProcessEvents = process): void {
  events.on('unhandledRejection', (reason) => log.error('unhandled promise rejection (a bug); the gateway keeps serving', { error: describeError(reason) }))
  events.on('uncaughtException', (error) => log.error('uncaught exception (a bug); the gateway keeps serving', { error: describeError(error) }))
}
