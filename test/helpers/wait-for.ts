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
