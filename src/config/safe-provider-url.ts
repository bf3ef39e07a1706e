// Where the gateway may fetch the keys that verify tokens from: https, or http to a loopback address
// (a test, or a sidecar on the same host). A key set fetched in clear text over a network could be
// replaced on the way, and with it every token forged.

export function isSafeProviderUrl(url: string): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (u.protocol === 'https:') return true
  if (u.protocol !== 'http:') return false
  const host = u.hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
