// The developer's page: tier, today's requests used and left with the reset in local time, tokens
// today, the last 30 days by model, the models the tier may use and what each name routes to,
// set-up for Claude Code, the OpenAI SDKs and curl with this gateway's URL, and their own keys.
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, daysBefore, formatNumber, type KeyRecord, quotaToday, type UsageReport, type UsageRow } from './api'
import { DayChart, dayRange, seriesByDay } from './chart'

interface Quota {
  user: string
  tier: string
  limit: number | null
  used: number
  remaining: number | null
  /** Null when the gateway counts nothing (quota.enabled: false). */
  resets_at: string | null
  input_tokens: number
  output_tokens: number
}

interface Account {
  user: string
  tier: string
  self_service_keys: boolean
  models: string[]
  allowed: string[]
  routes: { from: string; to: string }[]
}

export function DeveloperPage() {
  const [quota, setQuota] = useState<Quota | null>(null)
  const [account, setAccount] = useState<Account | null>(null)
  const [usage, setUsage] = useState<UsageReport | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    Promise.all([api<Quota>('/quota'), api<Account>('/account')])
      .then(([q, a]) => {
        setQuota(q)
        setAccount(a)
        // The server ends the range on its own quota day.
        return api<UsageReport>(`/usage?from=${daysBefore(quotaToday(), 29)}&group_by=day,model`)
      })
      .then(setUsage)
      .catch((e: Error) => setError(e.message))
  }, [])
  if (error) return <p role="alert">Could not load your account: {error}</p>
  if (!quota || !account) return <p>Loading…</p>
  return (
    <>
      <h1>My usage</h1>
      <QuotaPanel quota={quota} />
      {usage && <History report={usage} />}
      <ModelsPanel account={account} />
      <SetupPanel />
      <KeysPanel selfService={account.self_service_keys} />
    </>
  )
}

function QuotaPanel({ quota }: { quota: Quota }) {
  if (quota.resets_at === null) {
    return (
      <section aria-labelledby="quota-title">
        <h2 id="quota-title">Today</h2>
        <p>
          Tier <strong data-testid="tier">{quota.tier}</strong>; this gateway counts no daily quota.
        </p>
      </section>
    )
  }
  const reset = new Date(quota.resets_at)
  return (
    <section aria-labelledby="quota-title">
      <h2 id="quota-title">Today</h2>
      <p>
        Tier <strong data-testid="tier">{quota.tier}</strong>
      </p>
      {quota.limit === null ? (
        <p data-testid="used">{formatNumber(quota.used)} requests today (no daily limit)</p>
      ) : (
        <>
          <label for="quota-bar">
            <span data-testid="used">
              {formatNumber(quota.used)} used of {formatNumber(quota.limit)}
            </span>
            , {formatNumber(quota.remaining ?? 0)} left
          </label>
          <progress id="quota-bar" max={quota.limit} value={Math.min(quota.used, quota.limit)} />
        </>
      )}
      <p data-testid="reset">
        Resets at {reset.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} (your local time)
      </p>
      <p>
        Tokens today: {formatNumber(quota.input_tokens ?? 0)} in, {formatNumber(quota.output_tokens ?? 0)} out
      </p>
    </section>
  )
}

function History({ report }: { report: UsageReport }) {
  const days = dayRange(report.from, report.to)
  const requests = seriesByDay(report.rows, days, (r: UsageRow) => r.model ?? '', (r: UsageRow) => r.requests)
  const tokens = seriesByDay(report.rows, days, (r: UsageRow) => r.model ?? '', (r: UsageRow) => r.input_tokens + r.output_tokens)
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Last 30 days</h2>
      <DayChart title="Requests per day, by model" days={days} series={requests} />
      <DayChart title="Tokens per day (input + output), by model" days={days} series={tokens} />
      <UsageTable rows={report.rows} columns={['day', 'model']} caption="Your usage by day and model" />
    </section>
  )
}

export function UsageTable({ rows, columns, caption }: { rows: UsageRow[]; columns: (keyof UsageRow)[]; caption: string }) {
  const hasCost = rows.some((r) => r.cost !== undefined)
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {String(c).replace('_', ' ')}
              </th>
            ))}
            <th scope="col">requests</th>
            <th scope="col">errors</th>
            <th scope="col">input tokens</th>
            <th scope="col">output tokens</th>
            <th scope="col">cache read</th>
            {hasCost && <th scope="col">cost</th>}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length + 5 + (hasCost ? 1 : 0)}>No usage in this range.</td>
            </tr>
          )}
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{String(r[c] ?? '') || '(none)'}</td>
              ))}
              <td>{formatNumber(r.requests)}</td>
              <td>{formatNumber(r.errors)}</td>
              <td>{formatNumber(r.input_tokens)}</td>
              <td>{formatNumber(r.output_tokens)}</td>
              <td>{formatNumber(r.cache_read_tokens)}</td>
              {hasCost && <td>{r.cost === undefined ? "" : r.cost.toFixed(6)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ModelsPanel({ account }: { account: Account }) {
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <p>Your tier may use: {account.allowed.join(', ')}</p>
      <ul>
        {account.models.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
      {account.routes.length > 0 && (
        <table>
          <caption>What a requested name routes to</caption>
          <thead>
            <tr>
              <th scope="col">you ask for</th>
              <th scope="col">you get</th>
            </tr>
          </thead>
          <tbody>
            {account.routes.map((r) => (
              <tr key={r.from}>
                <td>{r.from}</td>
                <td>{r.to}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function SetupPanel() {
  const url = location.origin
  const snippets: [string, string][] = [
    ['Claude Code', `export ANTHROPIC_BASE_URL=${url}\nexport ANTHROPIC_API_KEY=<your key>\nexport CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1\nclaude`],
    ['OpenAI SDK (Python)', `from openai import OpenAI\nclient = OpenAI(base_url="${url}/v1", api_key="<your key>")`],
    ['OpenAI SDK (JavaScript)', `import OpenAI from 'openai'\nconst client = new OpenAI({ baseURL: '${url}/v1', apiKey: '<your key>' })`],
    ['curl', `curl ${url}/v1/chat/completions -H 'authorization: Bearer <your key>' -H 'content-type: application/json' \\\n  -d '{"model":"<model>","messages":[{"role":"user","content":"hi"}]}'`],
  ]
  return (
    <section aria-labelledby="setup-title">
      <h2 id="setup-title">Set up your tools</h2>
      {snippets.map(([name, text]) => (
        <div key={name}>
          <h3>{name}</h3>
          <pre tabIndex={0}>
            <code>{text}</code>
          </pre>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(text)}>
            Copy {name} set-up
          </button>
        </div>
      ))}
    </section>
  )
}

function KeysPanel({ selfService }: { selfService: boolean }) {
  const [keys, setKeys] = useState<KeyRecord[]>([])
  const [created, setCreated] = useState<string | null>(null)
  const [name, setName] = useState('')
  const [error, setError] = useState('')
  const load = () => api<{ data: KeyRecord[] }>('/keys').then((r) => setKeys(r.data)).catch((e: Error) => setError(e.message))
  useEffect(() => void load(), [])
  async function create(event: Event) {
    event.preventDefault()
    setError('')
    try {
      const key = await api<KeyRecord & { key: string }>('/keys', { method: 'POST', body: name ? { name } : {} })
      setCreated(key.key)
      setName('')
      await load()
    } catch (e) {
      setError((e as ApiError).message)
    }
  }
  async function revoke(id: string) {
    setError('')
    try {
      await api(`/keys/${encodeURIComponent(id)}`, { method: 'DELETE' })
      await load()
    } catch (e) {
      setError((e as ApiError).message)
    }
  }
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">My keys</h2>
      {error && <p role="alert">{error}</p>}
      {created && (
        <div class="notice" role="status">
          <p>Your new key, shown this once:</p>
          <pre tabIndex={0}>
            <code data-testid="new-key">{created}</code>
          </pre>
        </div>
      )}
      {selfService ? (
        <form onSubmit={create}>
          <label for="key-name">Name of the new key</label>
          <input id="key-name" value={name} maxLength={100} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit">Create key</button>
        </form>
      ) : (
        <p>Your tier does not let you create keys; ask an operator.</p>
      )}
      <KeyTable keys={keys} onRevoke={selfService ? revoke : null} />
    </section>
  )
}

export function KeyTable({ keys, onRevoke }: { keys: KeyRecord[]; onRevoke: ((id: string) => void) | null }) {
  return (
    <table>
      <caption>Keys</caption>
      <thead>
        <tr>
          <th scope="col">id</th>
          <th scope="col">name</th>
          <th scope="col">tier</th>
          <th scope="col">created</th>
          <th scope="col">state</th>
          {onRevoke && <th scope="col">action</th>}
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.id} data-key-id={k.id}>
            <td>{k.id}</td>
            <td>{k.name ?? ''}</td>
            <td>{k.tier}</td>
            <td>{new Date(k.createdAt).toLocaleString()}</td>
            <td>{k.revokedAt ? 'revoked' : 'active'}</td>
            {onRevoke && <td>{!k.revokedAt && <button type="button" onClick={() => onRevoke(k.id)} aria-label={`Revoke key ${k.name ?? k.id}`}>Revoke</button>}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
