// How the routes call a store: a store that is down answers 503 naming it, never a 500; and the
// audit log is written after the action, with a failure to write it logged, never hidden.
import { GatewayError } from '../../errors/gateway-error'
import type { AuditEntry, AuditLog } from '../../usage/audit-log'

export async function fromStore<T>(name: 'key' | 'usage' | 'quota', operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (error instanceof GatewayError) throw error
    throw new GatewayError(503, 'api_error', `${name} store unavailable; try again shortly`)
  }
}

/** Writes an audit entry; the action is done, so a failure is a 503 that says so. */
export async function audit(log: AuditLog | null, entry: Omit<AuditEntry, 'at'>, now: () => Date = () => new Date()): Promise<void> {
  if (!log) return
  try {
    await log.append({ at: now().toISOString(), ...entry })
  } catch {
    throw new GatewayError(503, 'api_error', 'the action was done, but the audit log could not be written; check the store')
  }
}
