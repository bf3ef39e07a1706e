// Bundles the console (console/, Preact and uPlot from node_modules) into one script and one
// stylesheet with `bun build`, in a child process (a macro may not call Bun.build itself). Run as
// a macro by ./console-assets.ts: `bun build --compile` runs it once and embeds what it returns in
// the binary, so the console needs no file, CDN or network at run time; from source it runs when
// the console is first asked for.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '../../..')

export function buildConsole(): { js: string; css: string } {
  const out = mkdtempSync(join(tmpdir(), 'llmgw-console-'))
  try {
    const run = Bun.spawnSync([process.execPath, 'build', join(ROOT, 'console/main.tsx'), '--target=browser', '--minify', '--outdir', out, '--tsconfig-override', join(ROOT, 'console/tsconfig.json')], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    if (run.exitCode !== 0) throw new Error(`the console did not build:\n${run.stderr.toString()}${run.stdout.toString()}`)
    let js = ''
    let css = ''
    for (const file of readdirSync(out)) {
      if (file.endsWith('.js')) js += readFileSync(join(out, file), 'utf8')
      else if (file.endsWith('.css')) css += readFileSync(join(out, file), 'utf8')
    }
    if (!js) throw new Error('the console build wrote no script')
    return { js, css }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}
