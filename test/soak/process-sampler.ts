// Resident memory and open file descriptors of the soak's gateway processes, read from /proc at a
// fixed pace, so that the checks can tell a process whose use stays flat under steady load from
// one that leaks.
import { readdirSync } from 'node:fs'

export interface ProcessSample {
  /** Milliseconds since the run started. */
  at: number
  rssMb: number
  fds: number
}

export interface ProcessHistory {
  /** Which gateway slot (0..2) and which process in it (0 = the first, 1 = after a roll...). */
  slot: number
  generation: number
  pid: number
  startedAt: number
  /** When the soak stopped it (rolling), if it did. */
  stoppedAt: number | null
  samples: ProcessSample[]
}

/** One reading of a process, or null once it has gone. */
export async function readProcess(pid: number): Promise<{ rssMb: number; fds: number } | null> {
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text()
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN)
    const fds = readdirSync(`/proc/${pid}/fd`).length
    return Number.isFinite(rssKb) ? { rssMb: rssKb / 1024, fds } : null
  } catch {
    return null
  }
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
