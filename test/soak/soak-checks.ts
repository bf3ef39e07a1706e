// The soak's invariants, judged from what the clients got, the counts the gateways report at the
// end, and the processes' resource samples. Each broken invariant is one line in `violations`.
//
// Counting: a 200 is counted once (an answer was admitted); a 429, a bad request or count_tokens
// never is; a 502/504 is given back. Two outcomes a client cannot settle are "maybe" counted: a
// failure while the Redis master was being failed over (the admission or its give-back may have
// landed before the connection broke) and a request whose connection failed. So for every user
// `confirmed <= used <= confirmed + maybe`, and `confirmed <= limit`.
import { COUNTED_KINDS, EXPECTED_STATUS, type Outcome, type SoakUser } from './soak-load'
import { median, type ProcessHistory } from './process-sampler'

export interface Window {
  what: string
  from: number
  to: number
}

export interface UserCount {
  user: SoakUser
  limit: number | null
  used: number
}

export interface FlatnessLimits {
  /** Samples of a process's first this-many ms are warm-up, not compared. */
  warmUpMs: number
  /** Allowed growth of the median RSS from the first to the last fifth of a process's samples. */
  rssGrowthMb: number
  fdGrowth: number
}

export interface ProcessFigures {
  slot: number
  generation: number
  samples: number
  rssStartMb: number
  rssEndMb: number
  rssMaxMb: number
  fdsStart: number
  fdsEnd: number
  fdsMax: number
}

export interface CheckInput {
  outcomes: Outcome[]
  counts: UserCount[]
  /** When the Redis master was being failed over (from its kill until the gateways were ready again). */
  redisWindows: Window[]
  histories: ProcessHistory[]
  flatness: FlatnessLimits
}

export interface CheckResult {
  violations: string[]
  figures: {
    requests: number
    byStatus: Record<string, number>
    byKind: Record<string, number>
    streams: Record<string, number>
    usersChecked: number
    confirmed: number
    maybe: number
    processes: ProcessFigures[]
  }
}

const STORE_UNAVAILABLE = 'quota store unavailable'
const within = (windows: Window[], at: number) => windows.some((w) => at >= w.from && at <= w.to)

function bump(map: Record<string, number>, key: string) {
  map[key] = (map[key] ?? 0) + 1
}

/** Invariants of one outcome on its own. */
function checkOutcome(o: Outcome, redisWindows: Window[], violations: string[]) {
  const at = `${o.kind} at ${(o.startedAt / 1000).toFixed(1)} s on gateway ${o.gateway}`
  const duringFailover = within(redisWindows, o.startedAt) || within(redisWindows, o.endedAt)
  for (const problem of o.problems) violations.push(`${at}: ${problem}`)
  if (o.status === null) {
    violations.push(`${at}: no answer (${o.error ?? 'connection failed'})`)
    return
  }
  if (o.status >= 500 && ![502, 503, 504, 529].includes(o.status)) violations.push(`${at}: answered ${o.status}: ${o.message ?? ''}`)
  if (o.message?.includes(STORE_UNAVAILABLE) && !duringFailover) violations.push(`${at}: store unavailable outside a Redis failover`)
  if (o.stream === 'cut') violations.push(`${at}: a stream ended without completing or an error event`)
  const expected = EXPECTED_STATUS[o.kind]
  if (expected !== undefined) {
    const upstreamTrouble = o.kind === 'count-tokens' && [429, 502, 503, 504, 529].includes(o.status)
    const storeTrouble = o.status === 503 && duringFailover
    // Every client of the run shares one address: after 20 wrong keys a minute from it, the
    // failed-login limit answers the next unknown ones 429 before any lookup, as it should.
    const loginLimit = o.kind === 'wrong-key' && o.status === 429 && (o.message ?? '').includes('failed authentications')
    if (o.status !== expected && !upstreamTrouble && !storeTrouble && !loginLimit) violations.push(`${at}: answered ${o.status}, expected ${expected}: ${o.message ?? ''}`)
    return
  }
  if (o.status >= 400 && o.status < 500 && o.status !== 429) violations.push(`${at}: a valid request answered ${o.status}: ${o.message ?? ''}`)
}

function checkCounts(outcomes: Outcome[], counts: UserCount[], redisWindows: Window[], violations: string[]) {
  const confirmed = new Map<string, number>()
  const maybe = new Map<string, number>()
  for (const o of outcomes) {
    if (!o.user || !COUNTED_KINDS.has(o.kind)) continue
    const id = o.user.id
    const duringFailover = within(redisWindows, o.startedAt) || within(redisWindows, o.endedAt)
    if (o.status === 200) confirmed.set(id, (confirmed.get(id) ?? 0) + 1)
    else if (o.status === null || (o.status >= 500 && duringFailover)) maybe.set(id, (maybe.get(id) ?? 0) + 1)
  }
  let totalConfirmed = 0
  let totalMaybe = 0
  for (const { user, limit, used } of counts) {
    const c = confirmed.get(user.id) ?? 0
    const m = maybe.get(user.id) ?? 0
    totalConfirmed += c
    totalMaybe += m
    if (limit !== null && c > limit) violations.push(`${user.id} (${user.tier}): admitted ${c} requests over a limit of ${limit}`)
    if (used < c) violations.push(`${user.id}: ${c} answers were admitted but the store counts ${used} (lost counts)`)
    if (used > c + m) violations.push(`${user.id}: the store counts ${used}, clients got ${c} admitted and ${m} unsettled (double counts)`)
  }
  return { confirmed: totalConfirmed, maybe: totalMaybe }
}

function checkProcesses(histories: ProcessHistory[], limits: FlatnessLimits, violations: string[]): ProcessFigures[] {
  const figures: ProcessFigures[] = []
  for (const h of histories) {
    const steady = h.samples.filter((s) => s.at - h.startedAt >= limits.warmUpMs)
    if (steady.length < 10) continue
    const fifth = Math.max(2, Math.floor(steady.length / 5))
    const first = steady.slice(0, fifth)
    const last = steady.slice(-fifth)
    const f: ProcessFigures = {
      slot: h.slot,
      generation: h.generation,
      samples: steady.length,
      rssStartMb: Math.round(median(first.map((s) => s.rssMb))),
      rssEndMb: Math.round(median(last.map((s) => s.rssMb))),
      rssMaxMb: Math.round(Math.max(...steady.map((s) => s.rssMb))),
      fdsStart: median(first.map((s) => s.fds)),
      fdsEnd: median(last.map((s) => s.fds)),
      fdsMax: Math.max(...steady.map((s) => s.fds)),
    }
    figures.push(f)
    const name = `gateway ${h.slot} (process ${h.generation})`
    if (f.rssEndMb - f.rssStartMb > limits.rssGrowthMb) violations.push(`${name}: RSS grew from ${f.rssStartMb} to ${f.rssEndMb} MB under steady load`)
    if (f.fdsEnd - f.fdsStart > limits.fdGrowth) violations.push(`${name}: open file descriptors grew from ${f.fdsStart} to ${f.fdsEnd}`)
  }
  return figures
}

export function checkSoak(input: CheckInput): CheckResult {
  const violations: string[] = []
  const byStatus: Record<string, number> = {}
  const byKind: Record<string, number> = {}
  const streams: Record<string, number> = {}
  for (const o of input.outcomes) {
    bump(byStatus, o.status === null ? 'none' : String(o.status))
    bump(byKind, o.kind)
    if (o.stream) bump(streams, o.stream)
    checkOutcome(o, input.redisWindows, violations)
  }
  const totals = checkCounts(input.outcomes, input.counts, input.redisWindows, violations)
  const processes = checkProcesses(input.histories, input.flatness, violations)
  return {
    violations,
    figures: {
      requests: input.outcomes.length,
      byStatus,
      byKind,
      streams,
      usersChecked: input.counts.length,
      ...totals,
      processes,
    },
  }
}
