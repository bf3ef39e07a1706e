// Time zone names as the config accepts them (quota.timezone): IANA names, UTC spelled any way.

/** The names of UTC, which need no time zone data (IANA names are case-insensitive). */
export function isUtc(timeZone: string): boolean {
  return /^(?:etc\/)?(?:utc|gmt)$/i.test(timeZone)
}

export function isKnownTimeZone(timeZone: string): boolean {
  if (isUtc(timeZone)) return true
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}
