// Polls a condition until it holds or the time is up: the one bounded wait of the tests.

/** Checks `condition` every `everyMs` until it holds or `ms` pass; says whether it held. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 2_000, everyMs = 5): Promise<boolean> {
  const until = performance.now() + ms
  for (;;) {
    if (await condition()) return true
    if (performance.now() > until) return false
    await Bun.sleep(everyMs)
  }
}

/** Like waitFor, but throws `<what> did not happen within <ms> ms` when the time is up. */
export async function waitOrThrow(what: string, condition: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<void> {
  if (!(await waitFor(condition, ms, everyMs))) throw new Error(`${what} did not happen within ${ms} ms`)
}
