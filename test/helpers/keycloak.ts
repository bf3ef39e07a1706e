// Starts a real Keycloak (keycloak-quarkus-dist from Maven Central, installed by
// scripts/install-keycloak.sh) in dev mode on a free 127.0.0.1 port, with realms imported from
// JSON files, and stops it. Each run gets its own throwaway home directory (symlinks to the shared
// install plus its own data/import), and an in-memory database, so runs never share state.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { freePort } from './free-port'

export interface RunningKeycloak {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string
  /** The issuer (realm URL) of a realm. */
  issuer(realm: string): string
  /** A fresh master-realm admin access token. */
  adminToken(): Promise<string>
  /** Calls the admin REST API (`/admin/realms<path>`) as the bootstrap admin; throws on a non-2xx answer. */
  admin(path: string, init?: RequestInit): Promise<Response>
  /** Milliseconds from spawn to ready. */
  startupMs: number
  stop(): Promise<void>
}

export interface StartKeycloakOptions {
  /** Bound on the wait for readiness. */
  timeoutMs?: number
}

const ROOT = resolve(import.meta.dir, '../..')
const ADMIN_USER = 'admin'
const ADMIN_PASSWORD = 'admin-test-password'

/** Runs the idempotent installer and reads the paths it prints. */
async function install(): Promise<{ javaHome: string; keycloakHome: string }> {
  const proc = Bun.spawn(['bash', join(ROOT, 'scripts/install-keycloak.sh')], { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`scripts/install-keycloak.sh failed (${code}): ${err.slice(-2000)}`)
  const value = (name: string) => out.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1]
  const javaHome = value('JAVA_HOME')
  const keycloakHome = value('KEYCLOAK_HOME')
  if (!javaHome || !keycloakHome) throw new Error(`install-keycloak.sh printed no paths: ${out}`)
  return { javaHome, keycloakHome }
}

function makeHome(keycloakHome: string, realmFiles: string[]): string {
  const home = mkdtempSync(join(tmpdir(), 'kc-home-'))
  mkdirSync(join(home, 'bin'))
  // kc.sh derives kc.home.dir from its own (symlink-resolved) location, so it is copied, not linked.
  copyFileSync(join(keycloakHome, 'bin/kc.sh'), join(home, 'bin/kc.sh'))
  for (const entry of ['lib', 'conf', 'providers', 'themes', 'version.txt']) {
    symlinkSync(join(keycloakHome, entry), join(home, entry))
  }
  mkdirSync(join(home, 'data/import'), { recursive: true })
  for (const file of realmFiles) copyFileSync(file, join(home, 'data/import', basename(file)))
  return home
}

export async function startKeycloak(realmJsonPath: string | string[], options: StartKeycloakOptions = {}): Promise<RunningKeycloak> {
  const timeoutMs = options.timeoutMs ?? 180_000
  const { javaHome, keycloakHome } = await install()
  const home = makeHome(keycloakHome, (Array.isArray(realmJsonPath) ? realmJsonPath : [realmJsonPath]).map((p) => resolve(p)))
  const port = await freePort()
  const managementPort = await freePort()
  const logPath = join(home, 'keycloak.log')
  writeFileSync(logPath, '')
  const started = Date.now()
  const proc = Bun.spawn(
    [
      'bash', join(home, 'bin/kc.sh'), 'start-dev',
      '--http-host', '127.0.0.1',
      '--http-port', String(port),
      '--http-management-port', String(managementPort),
      '--health-enabled', 'true',
      '--db', 'dev-mem',
      '--import-realm',
    ],
    {
      cwd: home,
      env: {
        ...process.env,
        JAVA_HOME: javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN_USER,
        KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        // Keycloak before 26 reads these instead.
        KEYCLOAK_ADMIN: ADMIN_USER,
        KEYCLOAK_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      stdout: Bun.file(logPath),
      stderr: Bun.file(logPath),
    },
  )

  async function stop(): Promise<void> {
    if (proc.exitCode === null && !proc.killed) {
      proc.kill('SIGTERM')
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(20_000).then(() => false)])
      if (!exited) {
        proc.kill('SIGKILL')
        await proc.exited
      }
    }
    rmSync(home, { recursive: true, force: true })
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = started + timeoutMs
  let ready = false
  while (Date.now() < deadline && proc.exitCode === null) {
    try {
      const health = await fetch(`http://127.0.0.1:${managementPort}/health/ready`, { signal: AbortSignal.timeout(2_000) })
      if (health.ok) {
        ready = true
        break
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(500)
  }
  if (!ready) {
    const log = await Bun.file(logPath).text()
    await stop()
    throw new Error(`Keycloak did not become ready within ${timeoutMs} ms (exit ${proc.exitCode}); log tail:\n${log.slice(-3000)}`)
  }
  const startupMs = Date.now() - started

  async function adminToken(): Promise<string> {
    const response = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: ADMIN_USER, password: ADMIN_PASSWORD }),
    })
    if (!response.ok) throw new Error(`admin token request answered ${response.status}`)
    return ((await response.json()) as { access_token: string }).access_token
  }

  return {
    url,
    startupMs,
    issuer: (realm) => `${url}/realms/${realm}`,
    adminToken,
    async admin(path, init = {}) {
      const headers = new Headers(init.headers)
      headers.set('authorization', `Bearer ${await adminToken()}`)
      if (init.body) headers.set('content-type', 'application/json')
      const response = await fetch(`${url}/admin/realms${path}`, { ...init, headers })
      if (!response.ok) throw new Error(`admin ${init.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`)
      return response
    },
    stop,
  }
}
