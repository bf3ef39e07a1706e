// Live objects of one type on the JavaScript heap (after Bun.gc(true), the ones still referenced):
// what memory tests count to show that something is, or is not, kept per open stream.
import { heapStats } from 'bun:jsc'

export function heapObjects(type: string): number {
  return (heapStats().objectTypeCounts as Record<string, number>)[type] ?? 0
}
