// What the quota does while its store is unreachable. A failed store operation marks the store
// failing; `on_store_error` then decides what requests get: `reject` answers 503 (and reports
// unhealthy, for /ready) until the store is back, `allow` lets requests through uncounted.
// Recovery is automatic: while the store is failing, a background probe pings it (on a Cluster,
// every master) and only a successful ping clears the state, so that a partial outage (one Cluster
// master down: some users' operations fail, others succeed) reads as unhealthy instead of flapping.

import { GatewayError } from '../errors/gateway-error'
import type { QuotaLog } from './quota-log'
import type { QuotaStore } from './quota-store'

export type OnStoreError = 'reject' | 'allow'

export interface StoreOutageOptions {
  store: Pick<QuotaStore, 'ping'>
  onStoreError: OnStoreError
  log: QuotaLog
  /** How often a failing store is pinged. */
  probeIntervalMs: number
  /** Whether the store has been reached since it was opened (a store not yet reached is unhealthy under `reject`). */
  reached: () => boolean
  /** The longest a probe's ping may take before the next probe may start (default 10 s). */
  probeTimeoutMs?: number
}

export interface StoreOutage {
  /** The configured `on_store_error`. */
  readonly policy: OnStoreError
  /** True from a failed store operation until a ping succeeds. */
  failing(): boolean
  /** Records a failed store operation: logs it (the first one as an error) and starts the probe. */
  failed(operation: string, error: unknown): void
  /** False while the store is failing, or not yet reached, and the policy is `reject`. */
  healthy(): boolean
  /** Pings the store now and returns healthy(). */
  checkHealth(): Promise<boolean>
  /** Stops the probe. */
  close(): void
}

const STORE_UNAVAILABLE = 'quota store unavailable; try again shortly'

/** The 503 a request gets while the store fails (always for GET /quota, under `reject` for admission). */
export function storeUnavailable(): GatewayError {
  return new GatewayError(503, 'api_error', STORE_UNAVAILABLE)
}

// Store errors may quote a connection string; keep credentials out of the logs.
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\/\/[^/\s@]*@/g, '//***@')
}

export function createStoreOutage(options: StoreOutageOptions): StoreOutage {
  const { store, onStoreError, log, probeIntervalMs, reached } = options
  const probeTimeoutMs = options.probeTimeoutMs ?? 10_000
  if (onStoreError !== 'reject' && onStoreError !== 'allow') {
    throw new Error(`quota: on_store_error must be "reject" or "allow", got "${String(onStoreError)}"`)
  }

  let failing = false
  let probe: ReturnType<typeof setInterval> | undefined

  function succeeded() {
    if (!failing) return
    failing = false
    if (probe) clearInterval(probe)
    probe = undefined
    log('info', 'quota store reachable again')
  }

  function failed(operation: string, error: unknown) {
    if (!failing) {
      failing = true
      log('error', 'quota store unreachable', { operation, error: describeError(error), on_store_error: onStoreError })
    } else {
      log('debug', 'quota store still unreachable', { operation, error: describeError(error) })
    }
    if (!probe) {
      let probing = false
      probe = setInterval(() => {
        if (probing) return
        probing = true
        // A ping that never settles (a connection stuck half-way) must not end the probing.
        let timer: ReturnType<typeof setTimeout> | undefined
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), probeTimeoutMs)
        })
        Promise.race([store.ping(), bound])
          .then(succeeded, () => {})
          .finally(() => {
            clearTimeout(timer)
            probing = false
          })
      }, probeIntervalMs)
      probe.unref?.()
    }
  }

  const healthy = () => !((failing || !reached()) && onStoreError === 'reject')

  return {
    policy: onStoreError,
    failing: () => failing,
    failed,
    healthy,
    async checkHealth() {
      try {
        await store.ping()
        succeeded()
      } catch (error) {
        failed('ping', error)
      }
      return healthy()
    },
    close() {
      if (probe) clearInterval(probe)
      probe = undefined
    },
  }
}
