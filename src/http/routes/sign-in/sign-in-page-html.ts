// The HTML of sign-in in the browser: the verification page's form to enter or confirm a device
// sign-in's user code, and the messages that follow a sign-in (signed in, denied, refused).
// Server-rendered, no script, nothing loaded from elsewhere (the gateway runs air-gapped); every
// value written into it is escaped.

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}input{font:inherit;font-size:1.5rem;letter-spacing:.15em;text-transform:uppercase;padding:.4rem;width:12rem}
button{font:inherit;padding:.5rem 1rem;margin:.5rem .5rem 0 0}.error{color:#b42318}.muted{color:#59636e;font-size:.9rem}`

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · llm-gateway</title><style>${STYLE}</style></head><body>${body}</body></html>`
}

/** The form: a code from the link is filled in, but only the developer's click sends it. */
export function verifyPage(options: { userCode: string; error?: string }): string {
  const error = options.error ? `<p class="error">${escapeHtml(options.error)}</p>` : ''
  return layout(
    'Sign in',
    `<h1>Sign in to the LLM gateway</h1>
<p>Check that this code is the one your terminal shows, then continue to sign in.</p>${error}
<form method="post" action="device">
<p><label for="user_code">Code</label><br><input id="user_code" name="user_code" value="${escapeHtml(options.userCode)}" placeholder="XXXX-XXXX" autocomplete="off" autofocus required maxlength="16"></p>
<button type="submit" name="action" value="approve">Continue</button><button type="submit" name="action" value="deny">This was not me</button>
</form>
<p class="muted">Never enter a code someone else gave you.</p>`,
  )
}

/** A message, and where to go next when there is somewhere (a path on the gateway). */
export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  const next = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${next}`)
}

export function htmlHeaders(identityProviderOrigin: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The form posts here and is redirected to Keycloak: form-action must allow both.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${identityProviderOrigin}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  }
}

export type PageResponse = (status: number, html: string, extra?: Record<string, string>) => Response

/** Answers with a page under the sign-in pages' headers. */
export function pageResponder(identityProviderOrigin: string): PageResponse {
  const headers = htmlHeaders(identityProviderOrigin)
  return (status, html, extra = {}) => new Response(html, { status, headers: { ...headers, ...extra } })
}
