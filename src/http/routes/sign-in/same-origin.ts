// The cross-site request check of the verification page's form: a submission counts only when the
// browser says it came from the gateway's own pages. Browsers send `Origin` on every POST; older
// ones at least `Sec-Fetch-Site` or `Referer`. A request with none of them (a script, curl) is
// refused too: the page is for browsers.

export function isSameOriginSubmission(headers: Headers, publicOrigin: string): boolean {
  const origin = headers.get('origin')
  if (origin !== null) return origin === publicOrigin
  const site = headers.get('sec-fetch-site')
  if (site !== null) return site === 'same-origin'
  const referer = headers.get('referer')
  if (referer === null) return false
  try {
    return new URL(referer).origin === publicOrigin
  } catch {
    return false
  }
}
