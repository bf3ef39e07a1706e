// Temporary directories that must outlive one test file but not the test run (the compiled
// binary, built once per run and copied into a directory per test file: ~110 MB each). The
// preload (test/preload.ts) removes them all after the last file; bun test fires no process
// 'exit' event, so a hook there would never run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []

export function runTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function removeRunTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
