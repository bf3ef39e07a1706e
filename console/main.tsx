// The console's entry point: sign-in with a key (exchanged for a session cookie by the gateway;
// the key is never kept in the browser) or, where the gateway offers it, with the company's
// Keycloak in the browser (the gateway sets the same cookie on the way back); then the developer's
// page or the operator's pages, chosen by the address after `#`.
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import 'uplot/dist/uPlot.min.css'
import './styles.css'
import { api, ApiError, setSession } from './api'
import { DeveloperPage } from './developer'
import { AuditPage, BackendsPage, OverviewPage, RoutingPage, UsagePage, UserPage } from './operator'

interface Session {
  user: string | null
  name: string | null
  tier: string | null
  admin: boolean
  method: 'key' | 'admin-key' | 'keycloak'
  csrf_token: string
  expires_at: string
  today: string
  time_zone: string
}

interface SignInOptions {
  /** Where the browser sign-in through Keycloak starts; null when the gateway does not offer it. */
  keycloak: string | null
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = () => setHash(location.hash)
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return hash
}

/** `notice`: why the session could not be used, when it is not simply absent (e.g. Keycloak unreachable). */
function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState(notice)
  const [keycloak, setKeycloak] = useState<string | null>(null)
  useEffect(() => {
    api<SignInOptions>('/console/api/sign-in-options').then((o) => setKeycloak(o.keycloak), () => setKeycloak(null))
  }, [])
  async function submit(event: Event) {
    event.preventDefault()
    setError('')
    try {
      const session = await api<Session>('/console/api/session', { method: 'POST', body: { key } })
      setKey('')
      onSignedIn(session)
    } catch (e) {
      setError((e as ApiError).status === 401 ? 'That key is not valid, or has been revoked.' : (e as ApiError).message)
    }
  }
  return (
    <main id="main">
      <h1>Sign in to llm-gateway</h1>
      {keycloak && (
        <p>
          {/* A navigation, not a fetch: the browser goes to Keycloak's login page and comes back signed in. */}
          <a class="button" href={keycloak} data-testid="keycloak-sign-in">
            Sign in with your company account
          </a>
        </p>
      )}
      <form onSubmit={submit} class="signin">
        <label for="key">Your gateway key (or the admin key)</label>
        <input id="key" type="password" autoComplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} required />
        <button type="submit">Sign in</button>
        {error && <p role="alert">{error}</p>}
      </form>
      <p class="hint">The key is sent once and exchanged for a session; the browser does not keep it.</p>
    </main>
  )
}

function Page({ hash, session }: { hash: string; session: Session }) {
  const path = hash.replace(/^#/, '') || (session.user ? '/me' : '/ops')
  if (path.startsWith('/ops') && !session.admin) return <p role="alert">Operator pages need the admin key or the admin role.</p>
  if (path === '/me' && !session.user) return <p>The admin key is no user: open the operator pages.</p>
  if (path === '/me') return <DeveloperPage />
  if (path === '/ops') return <OverviewPage />
  if (path === '/ops/usage') return <UsagePage />
  if (path === '/ops/backends') return <BackendsPage />
  if (path === '/ops/routing') return <RoutingPage />
  if (path === '/ops/audit') return <AuditPage />
  if (path.startsWith('/ops/users/')) return <UserPage user={decodeURIComponent(path.slice('/ops/users/'.length))} />
  return <p>No such page.</p>
}

function App() {
  const [session, setCurrent] = useState<Session | null | undefined>(undefined)
  const [notice, setNotice] = useState('')
  const hash = useHash()
  const signedOut = () => setCurrent(null)
  const signedIn = (s: Session) => {
    setSession(s.csrf_token, s.time_zone, signedOut)
    setCurrent(s)
  }
  useEffect(() => {
    api<Session>('/console/api/session').then(signedIn, (e: ApiError) => {
      if (e.status !== 401) setNotice(e.message)
      setCurrent(null)
    })
  }, [])
  if (session === undefined) return <main id="main">Loading…</main>
  if (session === null) return <SignIn onSignedIn={signedIn} notice={notice} />
  async function signOut() {
    await api('/console/api/session', { method: 'DELETE' }).catch(() => {})
    setCurrent(null)
  }
  const links: [string, string][] = [
    ...(session.user ? ([['#/me', 'My usage']] as [string, string][]) : []),
    ...(session.admin
      ? ([
          ['#/ops', 'Today'],
          ['#/ops/usage', 'Usage'],
          ['#/ops/backends', 'Backends'],
          ['#/ops/routing', 'Routing'],
          ['#/ops/audit', 'Audit log'],
        ] as [string, string][])
      : []),
  ]
  return (
    <>
      <header>
        <nav aria-label="Console">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={(hash || (session.user ? '#/me' : '#/ops')) === href ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="who">
          Signed in as <strong data-testid="signed-in-as">{(session.method === 'keycloak' ? session.name : null) ?? session.user ?? 'admin'}</strong>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </p>
      </header>
      <main id="main">
        <Page hash={hash} session={session} />
      </main>
    </>
  )
}

render(<App />, document.getElementById('app')!)
