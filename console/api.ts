// How the console talks to the gateway: the same JSON routes API clients use, with the session
// cookie the browser holds (never a key) and, on every change, the session's CSRF token.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

let csrfToken = ''
let onSignedOut: () => void = () => {}
let quotaDay: () => string = () => new Date().toISOString().slice(0, 10)

/** `timeZone`: the quota's, in which the gateway counts days (not the browser's, not UTC). */
export function setSession(token: string, timeZone: string, signedOut: () => void): void {
  csrfToken = token
  // en-CA writes dates as YYYY-MM-DD.
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  quotaDay = () => format.format(new Date())
  onSignedOut = signedOut
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  const response = await fetch(path, { method, headers, credentials: 'same-origin', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) })
  const text = await response.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = null
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/console/api/session') onSignedOut()
    const message = (parsed as { error?: { message?: string } } | null)?.error?.message ?? `${response.status} ${response.statusText}`
    throw new ApiError(response.status, message)
  }
  return parsed as T
}

/** The quota day `days` before `day` (`YYYY-MM-DD`). */
export function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)
}

/** Today as the quota counts it (UTC's before sign-in). */
export function quotaToday(): string {
  return quotaDay()
}

// The shapes of the gateway's answers, from the gateway's own modules (types only: nothing of them
// is bundled into the page).
export type { ReportRow as UsageRow, UsageReport } from '../src/usage/usage-report'
export type { GatewayKeyRecord as KeyRecord } from '../src/auth/key-store'

export const formatNumber = (n: number) => n.toLocaleString('en-US')
