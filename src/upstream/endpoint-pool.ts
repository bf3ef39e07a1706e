// Balances one backend's endpoints (vLLM/KServe replicas) by least outstanding requests, and keeps a
// circuit breaker per endpoint: after `failure_threshold` consecutive failures it leaves the rotation
// for `cooldown_ms`, then one request probes it (half-open) and its answer closes or reopens it.
// Failures are of two kinds. The endpoint's own (no connection, 502/503) each count. A failure one
// request may have caused itself (a timeout on a huge prompt, a 500 on input the model chokes on)
// counts once per caller in the streak: one user's failing requests never open the circuit for
// everyone; several users failing alike do.
import type { CircuitBreakerConfig } from '../config/config-types'

interface EndpointState {
  url: string
  outstanding: number
  /** The endpoint's own failures in the current streak. */
  failures: number
  /** Callers whose requests failed in the current streak (each counts once). */
  failingCallers: Set<string> | null
  /** 0 when closed; otherwise when the endpoint may be probed again. */
  openUntil: number
  probing: boolean
}

export interface EndpointLease {
  url: string
  /** The endpoint answered (any status that is not its own failure). */
  succeeded(): void
  /**
   * Counts towards opening the circuit. Without `caller`: the endpoint's own failure (no
   * connection, 502/503). With it: a failure the request may have caused (timeout, 500, 504),
   * counted once per caller in the streak.
   */
  failed(caller?: string): void
  /** The request is over (stream ended or body read); idempotent. */
  release(): void
}

export interface EndpointSnapshot {
  url: string
  outstanding: number
  failures: number
  open: boolean
}

export class EndpointPool {
  private readonly states: EndpointState[]
  private next = 0

  constructor(
    urls: string[],
    private readonly breaker: CircuitBreakerConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.states = urls.map((url) => ({ url, outstanding: 0, failures: 0, failingCallers: null, openUntil: 0, probing: false }))
  }

  private usable(s: EndpointState, t: number): boolean {
    if (s.openUntil === 0) return true
    return t >= s.openUntil && !s.probing
  }

  /** Whether an endpoint not in `exclude` could take a request now. */
  hasAvailable(exclude: ReadonlySet<string> = new Set()): boolean {
    const t = this.now()
    return this.states.some((s) => !exclude.has(s.url) && this.usable(s, t))
  }

  acquire(exclude: ReadonlySet<string> = new Set()): EndpointLease | null {
    const t = this.now()
    const n = this.states.length
    let best: EndpointState | null = null
    // Start the scan at a rotating index so that ties spread round-robin.
    for (let i = 0; i < n; i++) {
      const s = this.states[(this.next + i) % n]!
      if (exclude.has(s.url) || !this.usable(s, t)) continue
      if (!best || s.outstanding < best.outstanding) best = s
    }
    this.next = (this.next + 1) % Math.max(n, 1)
    if (!best) return null
    const state = best
    const halfOpen = state.openUntil !== 0
    if (halfOpen) state.probing = true
    state.outstanding++
    let released = false
    let settled = false
    return {
      url: state.url,
      succeeded: () => {
        if (settled) return
        settled = true
        state.failures = 0
        state.failingCallers = null
        state.openUntil = 0
        state.probing = false
      },
      failed: (caller?: string) => {
        if (settled) return
        settled = true
        if (caller === undefined) state.failures++
        else (state.failingCallers ??= new Set()).add(caller)
        state.probing = false
        const streak = state.failures + (state.failingCallers?.size ?? 0)
        if (halfOpen || streak >= this.breaker.failure_threshold) state.openUntil = this.now() + this.breaker.cooldown_ms
      },
      release: () => {
        if (released) return
        released = true
        state.outstanding--
        if (!settled) state.probing = false
      },
    }
  }

  snapshot(): EndpointSnapshot[] {
    const t = this.now()
    return this.states.map((s) => ({ url: s.url, outstanding: s.outstanding, failures: s.failures + (s.failingCallers?.size ?? 0), open: s.openUntil !== 0 && (t < s.openUntil || s.probing) }))
  }
}
