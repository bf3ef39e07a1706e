// The operator's pages: today by tier and the top users with their share of quota; usage by model
// and backend over a chosen range, as charts and a table with a CSV download; a user's page
// (history, keys, revoke, reset or raise today's quota); backends with each endpoint's health;
// the routing table per tier with a simulator; the audit log.
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, daysBefore, formatNumber, type KeyRecord, quotaToday, type UsageReport, type UsageRow } from './api'
import { DayChart, dayRange, seriesByDay } from './chart'
import { KeyTable, UsageTable } from './developer'

function useLoad<T>(path: string | null): [T | null, string, () => void] {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState('')
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (!path) return
    setError('')
    api<T>(path).then(setData, (e: Error) => setError(e.message))
  }, [path, tick])
  return [data, error, () => setTick((t) => t + 1)]
}

interface Overview {
  day: string
  users: number
  tiers: UsageRow[]
  top_users: (UsageRow & { daily_requests: number | null; share_of_quota: number | null })[]
}

export function OverviewPage() {
  const [overview, error] = useLoad<Overview>('/admin/overview')
  if (error) return <p role="alert">{error}</p>
  if (!overview) return <p>Loading…</p>
  return (
    <>
      <h1>Today ({overview.day})</h1>
      <UsageTable rows={overview.tiers} columns={['tier']} caption="Today by tier" />
      <h2>Top users ({overview.users} users today)</h2>
      <table>
        <caption>Users with the most requests today</caption>
        <thead>
          <tr>
            <th scope="col">user</th>
            <th scope="col">tier</th>
            <th scope="col">requests</th>
            <th scope="col">share of quota</th>
            <th scope="col">tokens</th>
          </tr>
        </thead>
        <tbody>
          {overview.top_users.map((u) => (
            <tr key={`${u.user}/${u.tier}`} data-user={u.user}>
              <td>
                <a href={`#/ops/users/${encodeURIComponent(u.user ?? '')}`}>{u.user}</a>
              </td>
              <td>{u.tier}</td>
              <td>{formatNumber(u.requests)}</td>
              <td>{u.share_of_quota === null ? 'no limit' : `${Math.round(u.share_of_quota * 100)} % of ${u.daily_requests}`}</td>
              <td>{formatNumber(u.input_tokens + u.output_tokens)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <UserSearch />
    </>
  )
}

function UserSearch() {
  const [user, setUser] = useState('')
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        if (user) location.hash = `#/ops/users/${encodeURIComponent(user)}`
      }}
    >
      <label for="user-search">Open a user's page</label>
      <input id="user-search" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
      <button type="submit">Open</button>
    </form>
  )
}

export function UsagePage() {
  const [from, setFrom] = useState(daysBefore(quotaToday(), 6))
  const [to, setTo] = useState(quotaToday())
  const query = `from=${from}&to=${to}&group_by=day,model,backend`
  const [report, error] = useLoad<UsageReport>(`/admin/usage?${query}`)
  const days = report ? dayRange(report.from, report.to) : []
  return (
    <>
      <h1>Usage by model and backend</h1>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <label for="from">From</label>
        <input id="from" type="date" value={from} onChange={(e) => setFrom((e.target as HTMLInputElement).value)} />
        <label for="to">To</label>
        <input id="to" type="date" value={to} onChange={(e) => setTo((e.target as HTMLInputElement).value)} />
        <a class="button" href={`/admin/usage?${query}&format=csv`} download={`usage-${from}-${to}.csv`} data-testid="csv">
          Download CSV
        </a>
      </form>
      {error && <p role="alert">{error}</p>}
      {report && (
        <>
          <DayChart title="Requests per day, by model" days={days} series={seriesByDay(report.rows, days, (r: UsageRow) => r.model ?? '', (r: UsageRow) => r.requests)} />
          <DayChart title="Tokens per day, by backend" days={days} series={seriesByDay(report.rows, days, (r: UsageRow) => r.backend ?? '', (r: UsageRow) => r.input_tokens + r.output_tokens)} />
          <UsageTable rows={report.rows} columns={['day', 'model', 'backend']} caption="Usage by day, model and backend" />
        </>
      )}
    </>
  )
}

interface UserInfo {
  user: string
  tier: string | null
  quota: { limit: number | null; granted: number; used: number; remaining: number | null; resets_at: string } | null
}

export function UserPage({ user }: { user: string }) {
  const enc = encodeURIComponent(user)
  const [info, infoError, reloadInfo] = useLoad<UserInfo>(`/admin/users/${enc}`)
  const [history] = useLoad<UsageReport>(`/admin/usage?user=${enc}&from=${daysBefore(quotaToday(), 29)}&to=${quotaToday()}&group_by=day,model`)
  const [keys, , reloadKeys] = useLoad<{ data: KeyRecord[] }>(`/admin/keys?user=${enc}&limit=100`)
  const [grant, setGrant] = useState('10')
  const [message, setMessage] = useState('')
  async function act(path: string, body?: unknown) {
    setMessage('')
    try {
      await api(path, { method: path.includes('/keys/') ? 'DELETE' : 'POST', ...(body !== undefined ? { body } : {}) })
      setMessage('Done.')
      reloadInfo()
      reloadKeys()
    } catch (e) {
      setMessage((e as ApiError).message)
    }
  }
  const days = history ? dayRange(history.from, history.to) : []
  return (
    <>
      <h1>
        User <span data-testid="user-id">{user}</span>
      </h1>
      {infoError && <p role="alert">{infoError}</p>}
      {info && (
        <section aria-labelledby="user-quota">
          <h2 id="user-quota">Today</h2>
          <p>Tier: {info.tier ?? 'unknown'}</p>
          {info.quota && (
            <p data-testid="user-quota">
              {info.quota.used} used of {info.quota.limit ?? 'unlimited'}
              {info.quota.granted > 0 ? ` (${info.quota.granted} granted today)` : ''}
            </p>
          )}
          <form
            onSubmit={(e) => {
              e.preventDefault()
              void act(`/admin/users/${enc}/grants`, { requests: Number(grant) })
            }}
          >
            <label for="grant">Requests to add to today's limit</label>
            <input id="grant" type="number" min={1} max={1000000} value={grant} onInput={(e) => setGrant((e.target as HTMLInputElement).value)} />
            <button type="submit">Raise today's quota</button>
          </form>
          <button type="button" onClick={() => void act(`/admin/users/${enc}/reset`)}>
            Reset today's count
          </button>
          {message && <p role="status">{message}</p>}
        </section>
      )}
      {history && (
        <section aria-labelledby="user-history">
          <h2 id="user-history">Last 30 days</h2>
          <DayChart title="Requests per day, by model" days={days} series={seriesByDay(history.rows, days, (r: UsageRow) => r.model ?? '', (r: UsageRow) => r.requests)} />
          <UsageTable rows={history.rows} columns={['day', 'model']} caption={`Usage of ${user}`} />
        </section>
      )}
      <section aria-labelledby="user-keys">
        <h2 id="user-keys">Keys</h2>
        <KeyTable keys={keys?.data ?? []} onRevoke={(id) => void act(`/admin/keys/${encodeURIComponent(id)}`)} />
      </section>
    </>
  )
}

interface Backend {
  name: string
  format: string
  models: string[]
  endpoints: { url: string; healthy: boolean; circuit: string; consecutive_failures: number; in_flight: number }[]
}

export function BackendsPage() {
  const [backends, error] = useLoad<{ data: Backend[] }>('/admin/backends')
  if (error) return <p role="alert">{error}</p>
  return (
    <>
      <h1>Backends</h1>
      {backends?.data.map((b) => (
        <section key={b.name} aria-labelledby={`backend-${b.name}`}>
          <h2 id={`backend-${b.name}`}>
            {b.name} ({b.format})
          </h2>
          <p>Serves: {b.models.join(', ') || 'no model'}</p>
          <table>
            <caption>Endpoints of {b.name}</caption>
            <thead>
              <tr>
                <th scope="col">endpoint</th>
                <th scope="col">health</th>
                <th scope="col">circuit</th>
                <th scope="col">failures in a row</th>
                <th scope="col">in flight</th>
              </tr>
            </thead>
            <tbody>
              {b.endpoints.map((e) => (
                <tr key={e.url}>
                  <td>{e.url}</td>
                  <td>{e.healthy ? 'healthy' : 'out of rotation'}</td>
                  <td>{e.circuit}</td>
                  <td>{e.consecutive_failures}</td>
                  <td>{e.in_flight}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  )
}

interface Routing {
  tiers: { name: string; daily_requests: number | null; models: string[]; routes: { from: string; to: string }[]; self_service_keys: boolean }[]
}

export function RoutingPage() {
  const [routing, error] = useLoad<Routing>('/admin/routing')
  const [tier, setTier] = useState('')
  const [model, setModel] = useState('')
  const [answer, setAnswer] = useState<Record<string, unknown> | null>(null)
  if (error) return <p role="alert">{error}</p>
  return (
    <>
      <h1>Routing</h1>
      {routing?.tiers.map((t) => (
        <section key={t.name} aria-labelledby={`tier-${t.name}`}>
          <h2 id={`tier-${t.name}`}>Tier {t.name}</h2>
          <p>
            {t.daily_requests === null ? 'No daily limit' : `${t.daily_requests} requests a day`}; may use {t.models.join(', ')}
            {t.self_service_keys ? '; users manage their own keys' : ''}
          </p>
          {t.routes.length > 0 && (
            <ul>
              {t.routes.map((r) => (
                <li key={r.from}>
                  {r.from} → {r.to}
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          api<Record<string, unknown>>(`/admin/routing/simulate?tier=${encodeURIComponent(tier)}&model=${encodeURIComponent(model)}`).then(setAnswer, (err: Error) => setAnswer({ error: err.message }))
        }}
      >
        <h2>Simulator</h2>
        <label for="sim-tier">Tier</label>
        <select id="sim-tier" value={tier} onChange={(e) => setTier((e.target as HTMLSelectElement).value)}>
          <option value="">choose a tier</option>
          {routing?.tiers.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name}
            </option>
          ))}
        </select>
        <label for="sim-model">asks for model</label>
        <input id="sim-model" value={model} onInput={(e) => setModel((e.target as HTMLInputElement).value)} />
        <button type="submit">Simulate</button>
      </form>
      {answer && (
        <p role="status" data-testid="simulation">
          {answer.allowed === true ? `→ ${String(answer.model)} on backend ${String(answer.backend)} (upstream ${String(answer.upstream_model)})` : `refused: ${String(answer.reason ?? answer.error)}`}
        </p>
      )}
    </>
  )
}

export function AuditPage() {
  const [audit, error] = useLoad<{ data: { at: string; actor: string; action: string; target: string; detail?: Record<string, unknown> }[] }>('/admin/audit?limit=200')
  if (error) return <p role="alert">{error}</p>
  return (
    <>
      <h1>Audit log</h1>
      <table>
        <caption>Admin actions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">when</th>
            <th scope="col">who</th>
            <th scope="col">action</th>
            <th scope="col">on</th>
            <th scope="col">detail</th>
          </tr>
        </thead>
        <tbody>
          {audit?.data.map((a, i) => (
            <tr key={i}>
              <td>{new Date(a.at).toLocaleString()}</td>
              <td>{a.actor}</td>
              <td>{a.action}</td>
              <td>{a.target}</td>
              <td>{a.detail ? JSON.stringify(a.detail) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}
