// Confirms an admission on replicas before it is answered (`store.redis_wait_replicas`), with
// Redis WAIT: replication is asynchronous, so without it a count made just before the master dies
// may never reach the replica Sentinel promotes, and the user gets that request back. Sentinel
// promotes the replica with the most data, so a count one replica has acknowledged survives.
//
// WAIT covers every write this connection sent before it, and it holds up the connection's later
// commands until it returns. So admissions that finish while a WAIT is out share the next one
// (one WAIT per batch, not per request), and a write is only ever confirmed by a WAIT on the very
// connection that carried it: when the connection closes in between (a failover), the admission
// is unconfirmed, because a WAIT on a new connection would vouch for nothing.
import type { Redis } from 'ioredis'

/** The admission could not be confirmed on enough replicas in time. */
export class UnconfirmedAdmission extends Error {
  override name = 'UnconfirmedAdmission'
}

/** One write on its way: begun just before it is sent. */
export interface PendingConfirmation {
  /** After the write's reply: resolves once enough replicas have it, or throws UnconfirmedAdmission. */
  confirm(): Promise<void>
  /** Whether a command sent now would still go over the connection that carried the write (to undo it). */
  sameConnection(): boolean
}

export interface ReplicaConfirmation {
  begin(): PendingConfirmation
  /** Throws unless enough replicas are connected and caught up: the readiness check. */
  check(): Promise<void>
}

export function createReplicaConfirmation(client: Redis, replicas: number, timeoutMs: number): ReplicaConfirmation {
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error('replica confirmation: replicas must be a whole number >= 1')
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error('replica confirmation: the timeout must be a whole number of ms >= 1 (WAIT 0 would wait for ever)')
  let connection = 0
  client.on('close', () => connection++)

  let next: Promise<number> | null = null
  let tail: Promise<unknown> = Promise.resolve()
  function waitForReplicas(): Promise<number> {
    if (next) return next
    const wait = tail.then(() => {
      next = null
      return client.wait(replicas, timeoutMs)
    })
    next = wait
    tail = wait.catch(() => {})
    return wait
  }

  const shortfall = (acknowledged: number) =>
    `${acknowledged} of ${replicas} replica${replicas === 1 ? '' : 's'} confirmed the write within ${timeoutMs} ms`

  return {
    begin() {
      const at = connection
      return {
        async confirm() {
          const acknowledged = await waitForReplicas()
          if (connection !== at) throw new UnconfirmedAdmission('the connection to Redis changed before the admission was confirmed on a replica')
          if (acknowledged < replicas) throw new UnconfirmedAdmission(shortfall(acknowledged))
        },
        sameConnection: () => connection === at && client.status === 'ready',
      }
    },
    async check() {
      const acknowledged = await waitForReplicas()
      if (acknowledged < replicas) throw new Error(shortfall(acknowledged))
    },
  }
}
