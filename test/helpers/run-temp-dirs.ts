// Temporary directories removed when the test run ends (the compiled binary, built once per run
// and copied into a directory per test file, is ~110 MB each; config files of unit tests). The
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
