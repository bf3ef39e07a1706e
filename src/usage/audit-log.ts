// The audit log of the actions that change what a user may do: keys created and revoked (by an
// operator or, where the tier allows it, by the user), today's quota raised or reset. Written by
// the routes that do them, read by GET /admin/audit, newest first.

export type AuditAction = 'key.create' | 'key.revoke' | 'quota.grant' | 'quota.reset'

export interface AuditEntry {
  /** RFC 3339. */
  at: string
  /** Who did it: `admin-key`, or the user id, as quota counts it (`keycloak:<sub>` for a Keycloak user), of an admin or of a user acting on their own keys. */
  actor: string
  action: AuditAction
  /** The user or key acted on. */
  target: string
  /** What else the action carried (the number of requests granted, the key's user). */
  detail?: Record<string, string | number>
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>
  /** Newest first; at most `limit` entries. */
  list(options: { limit: number }): Promise<AuditEntry[]>
}
