// Sign-in through a gateway as Claude Code does it, over HTTP: device authorization, the browser
// part through the real Keycloak login form (./sign-in-browser.ts), then the token poll. For tests
// of the protocol itself; test/claude-code-sign-in.test.ts has the real Claude Code do it.
import { signInThroughBrowser } from './sign-in-browser'

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export interface DeviceAuthorizationAnswer {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete: string
  expires_in: number
  interval: number
}

export interface TokenAnswer {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields), redirect: 'manual' })
}

export async function authorizeDevice(gatewayUrl: string): Promise<DeviceAuthorizationAnswer> {
  const response = await postForm(`${gatewayUrl}/oauth/device_authorization`, { surface: 'claude_code' })
  if (response.status !== 200) throw new Error(`device authorization answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as DeviceAuthorizationAnswer
}

export function pollToken(gatewayUrl: string, deviceCode: string): Promise<Response> {
  return postForm(`${gatewayUrl}/oauth/token`, { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode })
}

export function refreshToken(gatewayUrl: string, token: string): Promise<Response> {
  return postForm(`${gatewayUrl}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token })
}

/** The whole device flow for a realm user whose password is `<name>-password`; `redeemAt` polls another replica. */
export async function deviceSignIn(gatewayUrl: string, username: string, options: { redeemAt?: string } = {}): Promise<TokenAnswer> {
  const device = await authorizeDevice(gatewayUrl)
  const browser = await signInThroughBrowser(device.verification_uri_complete, { username, password: `${username}-password` })
  if (browser.status !== 200) throw new Error(`browser sign-in ended with ${browser.status}: ${browser.text.slice(0, 300)} (${JSON.stringify(browser.steps)})`)
  const token = await pollToken(options.redeemAt ?? gatewayUrl, device.device_code)
  if (token.status !== 200) throw new Error(`token poll answered ${token.status}: ${await token.text()}`)
  return (await token.json()) as TokenAnswer
}
