// Bundles the console (console/, Preact and uPlot from node_modules) into one script and one
// stylesheet with Bun. Run as a macro by ./console-assets.ts: `bun build --compile` runs it once
// and embeds what it returns in the binary, so the console needs no file, CDN or network at run
// time; from source it runs when the console is first asked for.
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '../../..')

export async function buildConsole(): Promise<{ js: string; css: string }> {
  const result = await Bun.build({ entrypoints: [join(ROOT, 'console/main.tsx')], target: 'browser', minify: true, tsconfig: join(ROOT, 'console/tsconfig.json') } as Parameters<typeof Bun.build>[0])
  if (!result.success) throw new Error(`the console did not build:\n${result.logs.map(String).join('\n')}`)
  let js = ''
  let css = ''
  for (const output of result.outputs) {
    if (output.path.endsWith('.js')) js += await output.text()
    else if (output.path.endsWith('.css')) css += await output.text()
  }
  return { js, css }
}
