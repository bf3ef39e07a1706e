// What authentication costs. Two parts:
//  1. authenticate() calls per second for each credential kind (static key, gateway key with the
//     in-memory cache warm, Keycloak JWT from the verified-token cache, a token the gateway minted
//     at sign-in, and first-time JWT verification of RS256 and minted HS256 tokens);
//  2. HTTP requests per second through a minimal Elysia server (in a child process, so the load
//     generator does not share its thread) on three routes: no auth, gateway key, JWT, same run.
// Run: bun bench/auth.bench.ts [seconds per HTTP case and round, default 5] [connections, default 64]
import { Elysia } from 'elysia'
import { createAuthenticator } from '../src/auth/create-authenticator'
import { deriveSessionKeys } from '../src/auth/sessions/session-keys'
import { createSessionTokens } from '../src/auth/sessions/session-tokens'
import { createSqliteKeyStore } from '../src/stores/sqlite/sqlite-key-store'
import { startLocalIdp } from '../test/helpers/local-idp'

const seconds = Number(process.argv[2] ?? 5)
const connections = Number(process.argv[3] ?? 64)
const ROUNDS = 3

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function setup() {
  const idp = await startLocalIdp()
  const keyStore = createSqliteKeyStore({ path: ':memory:' })
  const { key } = await keyStore.create({ user: 'bench', tier: 'pro' })
  const sessionKeys = deriveSessionKeys('bench-signing-key-that-is-long-enough-0123456789')
  const sessionTokens = createSessionTokens({ keys: async () => sessionKeys, issuer: 'https://gateway.bench', ttlS: 3600 })
  const auth = createAuthenticator({
    providers: ['keys', 'keycloak'],
    staticKeys: [{ key: 'sk-dev-bench', user: 'bench', tier: 'pro' }],
    keyStore,
    keycloak: { issuer: idp.issuer, tierMap: { 'tier-pro': 'pro' }, defaultTier: 'free' },
    sessionTokens,
  })
  const jwt = await idp.sign({ realm_access: { roles: ['tier-pro'] } }, { expiresIn: '1h' })
  const minted = await sessionTokens.mint({ user: 'bench', name: null, tier: 'pro', sessionId: 'bench' })
  return { idp, keyStore, auth, key, jwt, minted, sessionKeys }
}

if (process.argv.includes('--serve')) {
  const { auth, key, jwt } = await setup()
  const app = new Elysia()
    .get('/noauth', () => ({ ok: true }))
    .get('/auth', async ({ request }) => ({ ok: true, user: (await auth.authenticate(request.headers)).user }))
    .listen({ hostname: '127.0.0.1', port: 0 })
  // The load generator needs this process's credentials: its own store and IdP.
  process.stdout.write(JSON.stringify({ port: app.server?.port, key, jwt }) + '\n')
  await new Promise(() => {})
}

async function callsPerSecond(label: string, call: (i: number) => Promise<unknown>, n = 200_000): Promise<void> {
  for (let i = 0; i < 1000; i++) await call(i)
  const start = performance.now()
  for (let i = 0; i < n; i++) await call(i)
  const ms = performance.now() - start
  console.log(`${label.padEnd(44)} ${Math.round((n / ms) * 1000).toLocaleString('en').padStart(12)} calls/s  ${((ms * 1000) / n).toFixed(2)} µs/call`)
}

async function httpRps(port: number, path: string, headers: Record<string, string>): Promise<number> {
  const url = `http://127.0.0.1:${port}${path}`
  const run = async (ms: number) => {
    let done = 0
    const deadline = performance.now() + ms
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const response = await fetch(url, { headers })
          if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
          await response.arrayBuffer()
          done++
        }
      }),
    )
    return done
  }
  await run(500)
  return (await run(seconds * 1000)) / seconds
}

const { idp, keyStore, auth, key, jwt, minted, sessionKeys } = await setup()
console.log('authenticate() alone:')
await callsPerSecond('static key (x-api-key)', () => auth.authenticate(new Headers({ 'x-api-key': 'sk-dev-bench' })))
await callsPerSecond('gateway key, cache warm', () => auth.authenticate(new Headers({ authorization: `Bearer ${key}` })))
await callsPerSecond('Keycloak JWT, verified-token cache warm', () => auth.authenticate(new Headers({ authorization: `Bearer ${jwt}` })))
await callsPerSecond('minted sign-in token, cache warm', () => auth.authenticate(new Headers({ authorization: `Bearer ${minted}` })))
// A new verifier for each call: the HS256 signature check itself, as for a token seen the first time.
await callsPerSecond('minted sign-in token, first verification', () => createSessionTokens({ keys: async () => sessionKeys, issuer: 'https://gateway.bench', ttlS: 3600 }).verify(minted), 20_000)
const fresh = await Promise.all(Array.from({ length: 3000 }, (_, i) => idp.sign({ sub: `u${i}` }, { expiresIn: '1h' })))
await callsPerSecond('Keycloak JWT, first verification (RS256)', (i) => auth.authenticate(new Headers({ authorization: `Bearer ${fresh[i % fresh.length]}` })), 2000)

const server = Bun.spawn(['bun', import.meta.path, '--serve'], { stdout: 'pipe', stderr: 'inherit' })
try {
  const reader = server.stdout.getReader()
  const { value } = await reader.read()
  const served = JSON.parse(new TextDecoder().decode(value).trim()) as { port: number; key: string; jwt: string }
  const port = served.port
  console.log(`\nHTTP, ${connections} connections, median of ${ROUNDS} interleaved rounds of ${seconds} s (server in a child process):`)
  // Cases interleaved over rounds and the median kept: the machine's other load drifts over time.
  const samples: Record<'base' | 'key' | 'jwt', number[]> = { base: [], key: [], jwt: [] }
  for (let round = 0; round < ROUNDS; round++) {
    samples.base.push(await httpRps(port, '/noauth', {}))
    samples.key.push(await httpRps(port, '/auth', { authorization: `Bearer ${served.key}` }))
    samples.jwt.push(await httpRps(port, '/auth', { authorization: `Bearer ${served.jwt}` }))
  }
  const base = median(samples.base)
  const keyed = median(samples.key)
  const jwtRps = median(samples.jwt)
  const line = (label: string, rps: number) =>
    console.log(`${label.padEnd(20)} ${Math.round(rps).toLocaleString('en').padStart(10)} req/s  ${(((base - rps) / base) * 100).toFixed(1).padStart(5)}% below no auth`)
  line('no auth', base)
  line('gateway key', keyed)
  line('Keycloak JWT', jwtRps)
} finally {
  server.kill()
  await server.exited
  await idp.stop()
  await keyStore.close()
}
