// The browser part of a sign-in, done by an HTTP client as a developer's browser would do it: open
// the verification link, submit the gateway's form (same-origin headers, as a browser sends them),
// follow the redirect to the real Keycloak, fill its login form with a user name and password, and
// follow Keycloak back to the gateway's callback, cookies kept per origin. Works against this
// gateway and against Claude Code's reference gateway (it reads the forms it is given).

export interface BrowserStep {
  method: string
  url: string
  status: number
}

export interface BrowserResult {
  /** The last page: the gateway's answer to the callback. */
  status: number
  text: string
  steps: BrowserStep[]
}

export interface SignInOptions {
  username: string
  password: string
  /** Which of the verification form's submit buttons to press (`value`); the first one by default. */
  action?: string
  /** Extra headers on the verification form's POST (e.g. to play a cross-site attacker). */
  formHeaders?: Record<string, string>
  timeoutMs?: number
}

const decodeEntities = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d))).replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')

interface ParsedForm {
  action: string
  fields: [string, string][]
  buttons: [string, string][]
}

/** The first POST form of a page: its action and its named inputs and buttons. */
export function parseForm(html: string, pageUrl: string, formId?: string): ParsedForm | null {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)]
  const form = forms.find((f) => /method=["']?post/i.test(f[1]!) && (formId === undefined || new RegExp(`id=["']${formId}["']`).test(f[1]!)))
  if (!form) return null
  const action = decodeEntities(/action=["']([^"']*)["']/i.exec(form[1]!)?.[1] ?? '')
  const attr = (tag: string, name: string) => {
    const m = new RegExp(`\\b${name}=["']([^"']*)["']`, 'i').exec(tag)
    return m ? decodeEntities(m[1]!) : null
  }
  const fields: [string, string][] = []
  for (const [tag] of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(tag, 'name')
    const type = (attr(tag, 'type') ?? 'text').toLowerCase()
    if (name !== null && type !== 'submit' && type !== 'checkbox') fields.push([name, attr(tag, 'value') ?? ''])
  }
  const buttons: [string, string][] = []
  for (const [tag] of form[2]!.matchAll(/<(?:button|input)\b[^>]*type=["']submit["'][^>]*>/gi)) {
    const name = attr(tag, 'name')
    if (name !== null) buttons.push([name, attr(tag, 'value') ?? ''])
  }
  return { action: new URL(action || pageUrl, pageUrl).toString(), fields, buttons }
}

export function createBrowser(timeoutMs = 20_000) {
  const jars = new Map<string, Map<string, string>>()
  const steps: BrowserStep[] = []

  function cookieHeader(url: string): string | undefined {
    const jar = jars.get(new URL(url).origin)
    if (!jar || jar.size === 0) return undefined
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  function keepCookies(url: string, response: Response): void {
    const origin = new URL(url).origin
    let jar = jars.get(origin)
    if (!jar) jars.set(origin, (jar = new Map()))
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === ''
      if (expired) jar.delete(name)
      else jar.set(name, value)
    }
  }

  async function request(url: string, init: { method?: string; form?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'llm-gateway-test-browser', accept: 'text/html', ...init.headers }
    const cookie = cookieHeader(url)
    if (cookie) headers.cookie = cookie
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const response = await fetch(url, { method: init.method ?? 'GET', headers, body: init.form?.toString(), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    keepCookies(url, response)
    steps.push({ method: init.method ?? 'GET', url: url.replace(/([?&](?:code|state|session_state|user_code)=)[^&]*/g, '$1…'), status: response.status })
    return response
  }

  /** GETs `url` and follows redirects (each hop with its origin's cookies) up to a bound. */
  async function follow(response: Response, from: string): Promise<{ response: Response; url: string }> {
    let url = from
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get('location')
      if (!location) break
      url = new URL(location, url).toString()
      await response.arrayBuffer()
      response = await request(url)
    }
    return { response, url }
  }

  return { request, follow, steps, jars }
}

/** Opens a verification link and signs in through Keycloak's login form. */
export async function signInThroughBrowser(verificationUrl: string, options: SignInOptions): Promise<BrowserResult> {
  const browser = createBrowser(options.timeoutMs)
  const page = await browser.follow(await browser.request(verificationUrl), verificationUrl)
  const html = await page.response.text()
  const form = parseForm(html, page.url)
  if (!form) throw new Error(`no form on the verification page (${page.response.status}): ${html.slice(0, 500)}`)
  const body = new URLSearchParams(form.fields)
  const button = options.action === undefined ? form.buttons[0] : form.buttons.find(([, v]) => v === options.action)
  if (button) body.set(button[0], button[1])
  const origin = new URL(page.url).origin
  const submitted = await browser.request(form.action, {
    method: 'POST',
    form: body,
    headers: { origin, referer: page.url, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', ...options.formHeaders },
  })
  let { response, url } = await browser.follow(submitted, form.action)
  // Keycloak's login form, unless Keycloak already knows this browser.
  if (response.status === 200 && new URL(url).origin !== origin) {
    const loginHtml = await response.text()
    const login = parseForm(loginHtml, url, 'kc-form-login') ?? parseForm(loginHtml, url)
    if (!login) throw new Error(`no login form at ${url}: ${loginHtml.slice(0, 500)}`)
    const credentials = new URLSearchParams(login.fields)
    credentials.set('username', options.username)
    credentials.set('password', options.password)
    const posted = await browser.request(login.action, { method: 'POST', form: credentials, headers: { origin: new URL(url).origin, referer: url } })
    ;({ response, url } = await browser.follow(posted, login.action))
  }
  return { status: response.status, text: await response.text(), steps: browser.steps }
}
